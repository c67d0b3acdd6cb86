package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class TargetSpecTest {

    @Test
    void shouldParseHostPortIpv6AndBareHosts() {
        assertThat(TargetSpec.parse("mx.example.org:8891")).isEqualTo(new TargetSpec("mx.example.org:8891", "mx.example.org", List.of(8891)));
        assertThat(TargetSpec.parse("[2001:db8::1]:1981")).isEqualTo(new TargetSpec("[2001:db8::1]:1981", "2001:db8::1", List.of(1981)));
        assertThat(TargetSpec.parse("2001:db8::1")).isEqualTo(new TargetSpec("2001:db8::1", "2001:db8::1", List.of()));
        assertThat(TargetSpec.parse(" mx ")).isEqualTo(new TargetSpec("mx", "mx", List.of()));
    }

    @Test
    void shouldParseCidrRangesWithAndWithoutPortWhenGivenARange() {
        assertThat(TargetSpec.parse("192.0.2.0/28")).isEqualTo(new TargetSpec("192.0.2.0/28", "192.0.2.0/28", List.of()));
        assertThat(TargetSpec.parse("192.0.2.0/28:8891")).isEqualTo(new TargetSpec("192.0.2.0/28:8891", "192.0.2.0/28", List.of(8891)));
        assertThat(TargetSpec.parse("2001:db8::/120")).isEqualTo(new TargetSpec("2001:db8::/120", "2001:db8::/120", List.of()));
        assertThat(TargetSpec.parse("[2001:db8::/120]:1981"))
                .isEqualTo(new TargetSpec("[2001:db8::/120]:1981", "2001:db8::/120", List.of(1981)));
    }

    @Test
    void shouldNameTheBadInputWhenATargetIsMalformed() {
        assertThatThrownBy(() -> TargetSpec.parse("mx:70000")).hasMessage("'mx:70000': port 70000 is outside 1..65535");
        assertThatThrownBy(() -> TargetSpec.parse("mx:0")).hasMessageContaining("port 0");
        assertThatThrownBy(() -> TargetSpec.parse("mx:smtp")).hasMessageContaining("'smtp' is not a port number");
        assertThatThrownBy(() -> TargetSpec.parse(":25")).hasMessageContaining("missing host");
        assertThatThrownBy(() -> TargetSpec.parse("[::1:25")).hasMessageContaining("missing ']'");
        assertThatThrownBy(() -> TargetSpec.parse("mx\u0007:25")).hasMessageContaining("forbidden character (code 7)");
        assertThatThrownBy(() -> TargetSpec.parse("10.0.0.0/33")).hasMessageContaining("prefix length 33 is outside 0..32");
        assertThatThrownBy(() -> TargetSpec.parse("10.0.0.0/x")).hasMessageContaining("'x' is not a prefix length");
        assertThatThrownBy(() -> TargetSpec.parse("2001:db8::/64:25")).hasMessageContaining("[PREFIX/LEN]:PORT");
        assertThatThrownBy(() -> TargetSpec.parse("")).hasMessageContaining("empty target");
        assertThatThrownBy(() -> TargetSpec.parse("a".repeat(254) + ":25")).hasMessageContaining("host is longer than 253 characters");
        assertThatThrownBy(() -> TargetSpec.parse("a".repeat(300))).hasMessageContaining("300 characters; a target is at most 265");
    }
}
