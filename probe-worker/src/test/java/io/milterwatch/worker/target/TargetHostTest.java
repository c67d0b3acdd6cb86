package io.milterwatch.worker.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;

import io.milterwatch.net.Cidr;

import org.junit.jupiter.api.Test;

class TargetHostTest {

    @Test
    void shouldClassifyRangesLiteralsAndNamesWithoutLookingAnythingUp() {
        assertThat(TargetHost.parse("192.0.2.0/30")).isEqualTo(new TargetHost.Range(Cidr.parse("192.0.2.0/30")));
        assertThat(TargetHost.parse("[2001:db8::1]")).isInstanceOf(TargetHost.Literal.class);
        assertThat(TargetHost.parse("2001:db8::1")).isInstanceOf(TargetHost.Literal.class);
        assertThat(TargetHost.parse("MX.Example.ORG.")).isEqualTo(new TargetHost.Name("mx.example.org"));
    }

    @Test
    void shouldNameTheBadInputWhenAHostIsMalformed() {
        assertThatThrownBy(() -> TargetHost.parse("10.0.0.0/40")).hasMessageContaining("/40");
        assertThatThrownBy(() -> TargetHost.parse("fe80::1%eth0")).hasMessageContaining("forbidden character");
        assertThatThrownBy(() -> TargetHost.parse("300.1.1.1")).hasMessageContaining("not a valid IPv4 address");
        assertThatThrownBy(() -> TargetHost.parse("2001:db8::zz")).hasMessageContaining("not a valid IPv6 address");
        assertThatThrownBy(() -> TargetHost.parse("a..b")).hasMessageContaining("'a..b'");
        assertThatThrownBy(() -> TargetHost.parse("mx.example.org/24")).hasMessageContaining("not an IPv4 or IPv6 address literal");
    }

    @Test
    void shouldExpandRangesSkippingIpv4NetworkAndBroadcastAddresses() {
        assertThat(Cidr.parse("192.0.2.0/30").addresses(16)).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(Cidr.parse("192.0.2.7/32").addresses(16)).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.7");
        assertThat(Cidr.parse("2001:db8::/126").addresses(16)).hasSize(4);
        assertThat(Cidr.parse("2001:db8::/32").size()).isEqualTo(BigInteger.ONE.shiftLeft(96));
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/8").addresses(4096)).hasMessageContaining("16777216 addresses");
    }

    @Test
    void shouldReadIpv4MappedRangesAsTheirIpv4Range() {
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
    }
}
