package io.milterwatch.worker.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;

import io.milterwatch.net.Cidr;
import org.junit.jupiter.api.Test;

class ScopeTest {

    private static InetAddress ip(final String literal) {
        return Cidr.literal(literal);
    }

    @Test
    void shouldAllowAddressesInsideTheAllowListAndRefuseOthersWithTheReason() {
        final Scope scope = Scope.parse("127.0.0.0/8,::1,2001:db8::/32", "none");
        assertThat(scope.check(ip("127.0.0.5"))).isNull();
        assertThat(scope.check(ip("::1"))).isNull();
        assertThat(scope.check(ip("2001:db8::25"))).isNull();
        assertThat(scope.check(ip("10.1.2.3"))).contains("out of scope", "10.1.2.3", "worker.scope.allow");
    }

    @Test
    void shouldRefuseEmbeddedIpv4FormsWhenTheIpv4AddressIsRefused() throws UnknownHostException {
        // given: all of IPv6 is allowed, but only loopback of IPv4
        final Scope scope = Scope.parse("127.0.0.0/8,::/0", "none");
        // then: the IPv6 spellings of 10.0.0.1 and of the metadata address are refused as what they are
        assertThat(scope.check(ip("::ffff:10.0.0.1"))).contains("10.0.0.1");
        assertThat(scope.check(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1})))
                .contains("10.0.0.1");
        assertThat(scope.check(ip("64:ff9b::a9fe:a9fe"))).contains("169.254.0.0/16");
        assertThat(scope.check(ip("2002:a9fe:a9fe::1"))).contains("169.254.0.0/16");
        assertThat(scope.check(ip("::ffff:127.0.0.1"))).isNull();
        assertThat(scope.check(ip("2001:db8::1"))).isNull();
    }

    @Test
    void shouldRefuseLinkLocalAndMetadataUnlessExplicitlyAllowed() {
        final Scope everywhere = Scope.everywhere();
        assertThat(everywhere.check(ip("169.254.169.254"))).contains("cloud metadata", "worker.scope.unsafe.allow");
        assertThat(everywhere.check(ip("fe80::1"))).contains("fe80::/10");
        assertThat(everywhere.check(ip("fd00:ec2::254"))).contains("metadata");
        assertThat(everywhere.check(ip("224.0.0.1"))).contains("never a probe target");
        final Scope unsafe = Scope.parse("0.0.0.0/0,::/0", "169.254.10.0/24");
        assertThat(unsafe.check(ip("169.254.10.9"))).isNull();
        assertThat(unsafe.check(ip("169.254.169.254"))).isNotNull();
    }

    @Test
    void shouldCheckRangesAsAWhole() {
        final Scope scope = Scope.parse("10.0.0.0/16", "none");
        assertThat(scope.check(Cidr.parse("10.0.1.0/24"))).isNull();
        assertThat(scope.check(Cidr.parse("10.0.0.0/8"))).contains("not inside");
        assertThat(Scope.everywhere().check(Cidr.parse("169.254.169.0/24"))).contains("169.254.0.0/16");
        assertThat(Scope.everywhere().check(Cidr.parse("0.0.0.0/0"))).contains("never a probe target");
    }

    @Test
    void shouldMatchNamesAgainstAllowedDomainsWhenAnyIsGiven() {
        final Scope scope = Scope.parse("10.0.0.0/8,example.org", "none");
        assertThat(scope.checkName("mx.example.org")).isNull();
        assertThat(scope.checkName("example.org")).isNull();
        assertThat(scope.checkName("badexample.org")).contains("none of the allowed domains");
        assertThat(Scope.everywhere().checkName("anything.test")).isNull();
    }

    @Test
    void shouldNameTheBadEntryWhenTheAllowListIsMalformed() {
        assertThatThrownBy(() -> Scope.parse("10.0.0.0/33", "none")).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> Scope.parse("exa mple", "none")).hasMessageContaining("'exa mple'");
    }
}
