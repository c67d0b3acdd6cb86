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
        assertThat(Endpoints.compress("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
    }
}
