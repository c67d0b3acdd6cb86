package io.milterwatch.processor.logic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;

class NetworkClassifierTest {

    private final NetworkClassifier defaults = NetworkClassifier.of(NetworkClassifier.DEFAULT_INTERNAL);

    @Test
    void shouldClassifyPrivateLoopbackAndUlaAsInternalAndTheRestAsExternal() {
        assertThat(defaults.zoneOf("10.20.30.40")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("172.31.255.255")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("172.32.0.1")).isEqualTo(Zone.EXTERNAL);
        assertThat(defaults.zoneOf("192.168.1.1")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("127.0.0.1")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("fd12:3456::1")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("::1")).isEqualTo(Zone.INTERNAL);
        assertThat(defaults.zoneOf("2001:db8::1")).isEqualTo(Zone.EXTERNAL);
        assertThat(defaults.zoneOf("203.0.113.9")).isEqualTo(Zone.EXTERNAL);
        assertThat(defaults.zoneOf("::ffff:10.0.0.1")).isEqualTo(Zone.INTERNAL);
    }

    @Test
    void shouldTreatNonLiteralsAsExternalWithoutResolvingThem() {
        assertThat(defaults.zoneOf("mail.example.org")).isEqualTo(Zone.EXTERNAL);
        assertThat(defaults.zoneOf("")).isEqualTo(Zone.EXTERNAL);
        assertThat(defaults.zoneOf(null)).isEqualTo(Zone.EXTERNAL);
    }

    @Test
    void shouldNameTheBadEntryWhenACidrIsMalformed() {
        assertThatThrownBy(() -> NetworkClassifier.of("10.0.0.0/8,10.0.0.0/33")).hasMessageContaining("'10.0.0.0/33'");
        assertThatThrownBy(() -> NetworkClassifier.of("intranet")).hasMessageContaining("'intranet'");
    }
}
