package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import io.milterwatch.config.Settings;
import io.milterwatch.schema.PortRange;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.probe.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetSpecTest {

    /** The worker's settings as loaded with nothing configured, as the cli loads them. */
    private static final EngineConfig WORKER_DEFAULTS = WorkerConfig.engine(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(),
            Map.of(), ConnectionOptions.KAFKA_NAMES));

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
        assertThatThrownBy(() -> TargetSpec.parse("a".repeat(500))).hasMessageContaining("500 characters; a target is at most 453");
    }

    @Test
    void shouldCarryRangesAsRangesAndListsAsPortsWhenGivenPortLists() {
        assertThat(TargetSpec.parse("mx.example.com:1-65535"))
                .isEqualTo(new TargetSpec("mx.example.com:1-65535", "mx.example.com", List.of(), List.of(new PortRange(1, 65535))));
        assertThat(TargetSpec.parse("192.0.2.0/28:1981,8891,11332"))
                .isEqualTo(new TargetSpec("192.0.2.0/28:1981,8891,11332", "192.0.2.0/28", List.of(1981, 8891, 11332)));
        assertThat(TargetSpec.parse("[2001:db8::1]:25,587"))
                .isEqualTo(new TargetSpec("[2001:db8::1]:25,587", "2001:db8::1", List.of(25, 587)));
        assertThat(TargetSpec.parse("[2001:db8::/120]:1981,8000-8999"))
                .isEqualTo(new TargetSpec("[2001:db8::/120]:1981,8000-8999", "2001:db8::/120", List.of(1981), List.of(new PortRange(8000, 8999))));
        assertThat(TargetSpec.parse("mx:25,25,26-26")).isEqualTo(new TargetSpec("mx:25,25,26-26", "mx", List.of(25, 26)));
        assertThat(TargetSpec.parse("mx:1-1024,8891").portsText()).isEqualTo("1-1024,8891");
        assertThat(TargetSpec.parse("mx").portsText()).isEqualTo("default");
    }

    @Test
    void shouldNameTheBadPartWhenAPortListIsMalformed() {
        assertThatThrownBy(() -> TargetSpec.parse("mx:10-5")).hasMessage("'mx:10-5': port range 10-5 runs downwards; write 5-10");
        assertThatThrownBy(() -> TargetSpec.parse("mx:1-")).hasMessage("'mx:1-': '' is not a port number");
        assertThatThrownBy(() -> TargetSpec.parse("mx:25,")).hasMessage("'mx:25,': '' is not a port number");
        assertThatThrownBy(() -> TargetSpec.parse("mx:1-70000")).hasMessage("'mx:1-70000': port 70000 is outside 1..65535");
        assertThatThrownBy(() -> TargetSpec.parse("mx:")).hasMessage("'mx:': missing port after ':'");
        assertThatThrownBy(() -> TargetSpec.parse("mx:+25")).hasMessage("'mx:+25': '+25' is not a port number");
        assertThatThrownBy(() -> TargetSpec.parse("2001:db8::1:25,587"))
                .hasMessage("'2001:db8::1:25,587': write an IPv6 address with ports in brackets: [2001:db8::1]:25,587");
    }

    @Test
    void shouldRefuseAnUnbracketedIpv6WhoseLastGroupCouldBeAPortWhenAmbiguous() {
        assertThatThrownBy(() -> TargetSpec.parse("2001:db8::1:8891")).hasMessage("'2001:db8::1:8891': ambiguous; write [2001:db8::1]:8891"
                + " for port 8891 on 2001:db8::1, or [2001:db8::1:8891] for the address 2001:db8::1:8891 on the default ports");
        // the bracketed forms say which is meant
        assertThat(TargetSpec.parse("[2001:db8::1]:8891")).isEqualTo(new TargetSpec("[2001:db8::1]:8891", "2001:db8::1", List.of(8891)));
        assertThat(TargetSpec.parse("[2001:db8::1:8891]")).isEqualTo(new TargetSpec("[2001:db8::1:8891]", "2001:db8::1:8891", List.of()));
        // no reading of these as address and port exists
        assertThat(TargetSpec.parse("2001:db8::26").host()).isEqualTo("2001:db8::26");
        assertThat(TargetSpec.parse("::1").host()).isEqualTo("::1");
        assertThat(TargetSpec.parse("fe80::abcd").host()).isEqualTo("fe80::abcd");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "127.2.256.1:2525       | host '127.2.256.1' is not a valid IPv4 address",
            "127.1                  | host '127.1' is not a valid IPv4 address",
            "0177.0.0.1             | host '0177.0.0.1' has an octet with a leading zero",
            "2130706433             | host '2130706433' is not a valid IPv4 address",
            "user@127.0.0.1         | host 'user@127.0.0.1' is neither an address, a CIDR range nor a valid DNS name",
            "0.0.0.0                | out of scope: 0.0.0.0 is in 0.0.0.0/8, which is never a probe target",
            "255.255.255.255        | out of scope: 255.255.255.255 is in 255.255.255.255/32, which is never a probe target",
            "224.0.0.1:8891         | out of scope: 224.0.0.1 is in 224.0.0.0/4, which is never a probe target",
            "[ff02::1]              | out of scope: ff02::1 is in ff00::/8, which is never a probe target",
            "0.0.0.0/0              | range 0.0.0.0/0 has 4294967296 addresses, more than worker.cidr.max.addresses=4096",
            "[::/0]                 | range ::/0 has 340282366920938463463374607431768211456 addresses",
            "10.0.0.0/19:8891       | range 10.0.0.0/19 has 8192 addresses, more than worker.cidr.max.addresses=4096",
            "192.0.2.0/28:1-65535   | range 192.0.2.0/28 on 65535 ports is 1048560 endpoints, more than 65536 per target",
            "169.254.169.254        | out of scope: 169.254.169.254 is in 169.254.0.0/16 (link-local or cloud metadata)",
    })
    void shouldRefuseWithTheWorkersReasonWhenTheWorkerWouldRefuse(final String text, final String reason) {
        assertThatThrownBy(() -> TargetSpec.parse(text, WORKER_DEFAULTS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "': " + reason);
    }

    @Test
    void shouldApplyTheWorkersScopeSettingsWhenTheyAreGiven() {
        final EngineConfig loopbackOnly = WorkerConfig.engine(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(),
                Map.of("worker.scope.allow", "127.0.0.0/8,example.org"), ConnectionOptions.KAFKA_NAMES));
        assertThat(TargetSpec.parse("127.0.0.1:1-65535", loopbackOnly).portRanges()).containsExactly(new PortRange(1, 65535));
        assertThat(TargetSpec.parse("mx.example.org:25", loopbackOnly).host()).isEqualTo("mx.example.org");
        assertThatThrownBy(() -> TargetSpec.parse("192.0.2.1:25", loopbackOnly))
                .hasMessage("'192.0.2.1:25': out of scope: 192.0.2.1 is not inside the allowed ranges [127.0.0.0/8] (worker.scope.allow)");
        assertThatThrownBy(() -> TargetSpec.parse("mx.example.com", loopbackOnly)).hasMessage("'mx.example.com': out of scope: name"
                + " 'mx.example.com' is in none of the allowed domains [example.org] (worker.scope.allow)");
    }
}
