package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;

class StateFilterTest {

    private static final ExposureState V4_DKIM = state("192.0.2.10", 8891, "192.0.2.10:8891", "192.0.2.10:8891");
    private static final ExposureState V4_AXI = state("192.0.2.10", 1981, "192.0.2.10:1981", "mx.example.org");
    private static final ExposureState V4_OTHER = state("192.0.2.77", 8891, "192.0.2.77:8891", "192.0.2.64/26:8891");
    private static final ExposureState V6 = state("2001:db8::25", 11332, "[2001:db8::25]:11332", "[2001:db8::25]:11332");
    private static final List<ExposureState> ALL = List.of(V4_DKIM, V4_AXI, V4_OTHER, V6);

    @Test
    void shouldSelectOneEndpointWhenGivenIpAndPort() {
        assertThat(select("192.0.2.10:8891")).containsExactly(V4_DKIM);
        assertThat(select("[2001:db8::25]:11332")).containsExactly(V6);
        assertThat(select("[2001:0db8:0:0::25]:11332")).as("IPv6 written another way").containsExactly(V6);
    }

    @Test
    void shouldSelectEveryPortWhenGivenABareAddress() {
        assertThat(select("192.0.2.10")).containsExactly(V4_DKIM, V4_AXI);
        assertThat(select("2001:db8::25")).containsExactly(V6);
        assertThat(select("[2001:db8::25]")).containsExactly(V6);
    }

    @Test
    void shouldSelectEndpointsInsideTheRangeWhenGivenACidr() {
        assertThat(select("192.0.2.0/24")).containsExactly(V4_DKIM, V4_AXI, V4_OTHER);
        assertThat(select("192.0.2.0/24:8891")).containsExactly(V4_DKIM, V4_OTHER);
        assertThat(select("192.0.2.64/26")).containsExactly(V4_OTHER);
        assertThat(select("2001:db8::/32")).containsExactly(V6);
        assertThat(select("198.51.100.0/24")).isEmpty();
    }

    @Test
    void shouldMatchTheTargetIdWhenGivenAHostName() {
        assertThat(select("mx.example.org")).containsExactly(V4_AXI);
        assertThat(select("mx.example.org:1981")).as("no target was added as mx.example.org:1981").isEmpty();
    }

    @Test
    void shouldNameTheBadInputWhenTheFilterIsMalformed() {
        assertThatThrownBy(() -> StateFilter.parse("192.0.2.10:99999")).hasMessageContaining("port 99999");
        assertThatThrownBy(() -> StateFilter.parse("192.0.2.0/40")).hasMessageContaining("prefix length 40");
    }

    private static List<ExposureState> select(final String filter) {
        final StateFilter f = StateFilter.parse(filter);
        return ALL.stream().filter(f::matches).toList();
    }

    private static ExposureState state(final String ip, final int port, final String key, final String targetId) {
        return ExposureState.newBuilder().setKey(key).setIp(ip).setPort(port).setTargetId(targetId).setState(Exposure.EXPOSED)
                .setSinceMs(1).setFirstSeenMs(1).setLastSeenMs(1).setAllowedZones(List.of(Zone.INTERNAL)).build();
    }
}
