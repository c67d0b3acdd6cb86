package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TimeOrderedMergeTest {

    private static final TopicPartition EXPOSURE = new TopicPartition("alerts.exposure", 0);
    private static final TopicPartition REGRESSION = new TopicPartition("alerts.regression", 0);

    private final TimeOrderedMerge<String> merge = new TimeOrderedMerge<>(List.of(EXPOSURE, REGRESSION), 2);
    private final List<String> out = new ArrayList<>();

    @Test
    void shouldHandOnTheOldestFirstWhenTopicsInterleave() {
        // given: one topic read before the other
        merge.add(EXPOSURE, 10, "e10");
        merge.add(EXPOSURE, 30, "e30");
        merge.add(REGRESSION, 20, "r20");
        merge.add(REGRESSION, 40, "r40");
        // when: both read to their end
        merge.drain(p -> false, out::add);
        // then
        assertThat(out).containsExactly("e10", "r20", "e30", "r40");
        assertThat(merge.isEmpty()).isTrue();
    }

    @Test
    void shouldWaitForAPartitionThatMayStillDeliverSomethingOlder() {
        // given: only the exposure topic read so far
        merge.add(EXPOSURE, 10, "e10");
        merge.add(EXPOSURE, 30, "e30");
        // when: the regression topic may still deliver
        merge.drain(p -> p.equals(REGRESSION), out::add);
        // then: nothing is handed on yet, and the full partition is to be read no further
        assertThat(out).isEmpty();
        assertThat(merge.full(EXPOSURE)).isTrue();
        assertThat(merge.full(REGRESSION)).isFalse();
        // when: the regression topic delivers an older alert, then is read to its end
        merge.add(REGRESSION, 20, "r20");
        merge.drain(p -> p.equals(REGRESSION), out::add);
        // then: what is older than anything the regression topic can still deliver goes on; e30 waits
        assertThat(out).containsExactly("e10", "r20");
        merge.drain(p -> false, out::add);
        // then
        assertThat(out).containsExactly("e10", "r20", "e30");
    }

    @Test
    void shouldKeepReadingOrderForEqualTimes() {
        merge.add(REGRESSION, 5, "first");
        merge.add(EXPOSURE, 5, "second");
        merge.drain(p -> false, out::add);
        assertThat(out).containsExactly("first", "second");
    }

    @Test
    void shouldRefuseAnUnknownPartitionOrAnEmptyBuffer() {
        assertThatThrownBy(() -> merge.add(new TopicPartition("other", 0), 1, "x")).hasMessageContaining("other-0");
        assertThatThrownBy(() -> new TimeOrderedMerge<String>(Set.of(EXPOSURE), 0)).hasMessageContaining("maxBuffered 0");
    }
}
