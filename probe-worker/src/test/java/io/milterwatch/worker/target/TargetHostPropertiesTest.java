package io.milterwatch.worker.target;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/** Any text a user or a topic gives as a host is classified, or refused with a reason: never another exception, never a lookup. */
class TargetHostPropertiesTest {

    @Property(tries = 5000)
    void shouldClassifyOrRefuseAnyText(@ForAll @StringLength(max = 80) final String text) {
        try {
            final TargetHost host = TargetHost.parse(text);
            assertThat(host).isNotNull();
        } catch (final IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 2000)
    void shouldClassifyOrRefuseCidrLikeText(@ForAll @StringLength(max = 4) final String a, @ForAll final int prefix) {
        final String text = "10." + a + ".0.0/" + prefix;
        try {
            assertThat(TargetHost.parse(text)).isNotNull();
        } catch (final IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
