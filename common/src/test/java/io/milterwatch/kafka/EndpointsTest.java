package io.milterwatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class EndpointsTest {

    @Test
    void shouldBracketAndCompressIpv6WhenMakingKeys() throws Exception {
        assertThat(Endpoints.key(InetAddress.getByName("127.0.0.1"), 8891)).isEqualTo("127.0.0.1:8891");
        assertThat(Endpoints.key(InetAddress.getByName("::1"), 1981)).isEqualTo("[::1]:1981");
        assertThat(Endpoints.key(InetAddress.getByName("2001:DB8:0:0:1:0:0:1"), 25)).isEqualTo("[2001:db8::1:0:0:1]:25");
        assertThat(Endpoints.key("2001:db8:0:0:0:0:0:1", 25)).isEqualTo("[2001:db8::1]:25");
        assertThat(Endpoints.key("2001:db8:0:1:1:1:1:1", 25)).isEqualTo("[2001:db8:0:1:1:1:1:1]:25");
        // one key per endpoint, however the address was written
        assertThat(Endpoints.key("2001:DB8::0:1", 25)).isEqualTo(Endpoints.key(InetAddress.getByName("2001:db8::1"), 25));
        assertThat(Endpoints.key("fe80::1%eth0", 25)).isEqualTo("[fe80::1]:25");
        assertThat(Endpoints.canonical(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        // an IPv6 socket address holding an IPv4-mapped address is named as such, not as the IPv4 one
        final InetAddress mapped = java.net.Inet6Address.getByAddress(null, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF,
            (byte) 0xFF, (byte) 192, 0, 2, 1}, -1);
        assertThat(Endpoints.key(mapped, 25)).isEqualTo("[::ffff:192.0.2.1]:25");
    }

    @Test
    void shouldKeepTheTextWhenItIsNoAddress() {
        assertThat(Endpoints.key("mx.example.org", 25)).isEqualTo("mx.example.org:25");
    }
}
