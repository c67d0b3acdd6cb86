package io.milterwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GroupInstanceIdTest {

    @Test
    void shouldDeriveAStableIdFromTheHostAndTheGivenPartsWhenAuto() {
        final String id = GroupInstanceId.resolve("k", "auto", "milterwatch-processor", GroupInstanceId.digest("/var/lib/x"));
        assertThat(id).isEqualTo(GroupInstanceId.resolve("k", "auto", "milterwatch-processor", GroupInstanceId.digest("/var/lib/x")));
        assertThat(id).startsWith(GroupInstanceId.hostName().replaceAll("[^A-Za-z0-9._-]", "_") + "-milterwatch-processor-");
        assertThat(id).matches("[A-Za-z0-9._-]+");
        assertThat(id).isNotEqualTo(GroupInstanceId.resolve("k", "auto", "milterwatch-processor", GroupInstanceId.digest("/var/lib/y")));
    }

    @Test
    void shouldUseDynamicMembershipWhenNoneOrWhenAutoHasNoUniquePart() {
        assertThat(GroupInstanceId.resolve("k", "none", "a")).isNull();
        assertThat(GroupInstanceId.resolve("k", "auto", "external-1", null)).isNull();
    }

    @Test
    void shouldKeepAnExplicitIdAndNameTheKeyWhenItIsInvalid() {
        assertThat(GroupInstanceId.resolve("k", "worker-7", "a")).isEqualTo("worker-7");
        assertThatThrownBy(() -> GroupInstanceId.resolve("worker.group.instance.id", "bad id!", "a"))
                .hasMessageContaining("worker.group.instance.id").hasMessageContaining("bad id!");
    }
}
