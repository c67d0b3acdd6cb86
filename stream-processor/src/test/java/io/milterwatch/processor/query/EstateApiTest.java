package io.milterwatch.processor.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** How the asked instance merges the instances' own pages into one, and its cursors. */
class EstateApiTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One instance's answer: its matching keys and the key it is complete to (null: to the end). */
    private static JsonNode part(final String completeTo, final String... keys) {
        final ObjectNode part = NODES.objectNode();
        final ArrayNode items = part.putArray("items");
        for (final String k : keys) {
            items.addObject().put("key", k).put("__key", k);
        }
        part.put("complete", completeTo == null);
        part.put("completeTo", completeTo);
        return part;
    }

    private static List<String> keys(final JsonNode page) {
        final List<String> keys = new ArrayList<>();
        page.path("items").forEach(n -> keys.add(n.path("key").asText()));
        return keys;
    }

    private static String next(final JsonNode page) {
        return page.path("next").isNull() ? null : EstateApi.decodeCursor(page.path("next").asText());
    }

    @Test
    void shouldCutAtTheLimitWhenTheInstancesHoldMore() {
        final JsonNode page = EstateApi.merge(List.of(part("c", "a", "c"), part("d", "b", "d")), 3, NODES.arrayNode());
        assertThat(keys(page)).containsExactly("a", "b", "c");
        assertThat(next(page)).isEqualTo("c");
        assertThat(page.path("items").get(0).has("__key")).isFalse();
    }

    @Test
    void shouldEndWithoutACursorWhenEveryInstanceIsComplete() {
        final JsonNode page = EstateApi.merge(List.of(part(null, "a", "c"), part(null, "b")), 3, NODES.arrayNode());
        assertThat(keys(page)).containsExactly("a", "b", "c");
        assertThat(next(page)).isNull();
    }

    @Test
    void shouldStopAtTheSmallestCompleteKeyWhenAnInstanceRanOutOfScanBudget() {
        // given: instance 2 read its budget up to "k" without a match; instance 1 has matches beyond "k"
        final JsonNode page = EstateApi.merge(List.of(part(null, "a", "m", "z"), part("k")), 10, NODES.arrayNode());
        // then: nothing after "k" yet (instance 2 may hold matches between "k" and "m"), and the next page starts after "k"
        assertThat(keys(page)).containsExactly("a");
        assertThat(next(page)).isEqualTo("k");
    }

    @Test
    void shouldGiveAnEmptyPageWithACursorWhenNothingMatchedWithinTheBudget() {
        final JsonNode page = EstateApi.merge(List.of(part("q"), part(null)), 10, NODES.arrayNode());
        assertThat(keys(page)).isEmpty();
        assertThat(next(page)).isEqualTo("q");
    }

    @Test
    void shouldRoundTripACursorAndRefuseOneItDidNotMake() {
        assertThat(EstateApi.decodeCursor(EstateApi.encodeCursor("[2001:db8::1]:8891"))).isEqualTo("[2001:db8::1]:8891");
        assertThatThrownBy(() -> EstateApi.decodeCursor("%%")).hasMessageStartingWith("cursor:");
        assertThatThrownBy(() -> EstateApi.decodeCursor("")).hasMessageStartingWith("cursor:");
        assertThatThrownBy(() -> EstateApi.decodeCursor("x".repeat(401))).hasMessageStartingWith("cursor:");
    }
}
