package io.milterwatch.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class HostCheckTest {

    private final HostCheck check = new HostCheck(List.of("0.0.0.0", "processor-1", "Mail.Example.ORG"));

    @Test
    void shouldAllowTheServersNamesLoopbackAndAddressLiteralsWhenTheyAreTheHost() {
        assertThat(check.allows("localhost:8470")).isTrue();
        assertThat(check.allows("app.localhost")).isTrue();
        assertThat(check.allows("127.0.0.1:8470")).isTrue();
        assertThat(check.allows("10.1.2.3")).isTrue();
        assertThat(check.allows("[::1]:8470")).isTrue();
        assertThat(check.allows("processor-1:8470")).isTrue();
        assertThat(check.allows("mail.example.org.")).isTrue();
        assertThat(check.allows(null)).as("HTTP/1.0 without Host").isTrue();
    }

    @Test
    void shouldRefuseOtherNamesWhenTheHostIsAnotherSite() {
        assertThat(check.allows("attacker.example:8470")).isFalse();
        assertThat(check.allows("localhost.attacker.example")).isFalse();
        assertThat(check.allows("127.0.0.1.nip.io")).isFalse();
        assertThat(check.allows("")).isFalse();
    }

    @Test
    void shouldAllowAnyNameWhenStarIsConfigured() {
        assertThat(new HostCheck(List.of("*")).allows("anything.example")).isTrue();
    }
}
