package io.milterwatch.processor.logic;

import static org.assertj.core.api.Assertions.assertThat;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;

class RemediationHintTest {

    @Test
    void shouldGiveTheHintOfTheStateItsAlertCarriedWhenTheIpPortIsExposed() {
        // given: the decision that raised the EXPOSED alert
        final Decision exposed = ExposureStateMachine.apply(null, Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, 1000));
        // when
        final String hint = RemediationHint.forState(exposed.state());
        // then
        assertThat(exposed.state().getState()).isEqualTo(Exposure.EXPOSED);
        assertThat(hint).isEqualTo(exposed.alert().getRemediation()).contains("--dport 8891").doesNotContain("--dport 25 ");
    }

    @Test
    void shouldNameAximilterWhenAnyVantageSawOne() {
        // given
        final ExposureState state = ExposureStateMachine.apply(null, Results.of("outside", Zone.EXTERNAL, Outcome.AXIMILTER, 1000)).state();
        // then
        assertThat(RemediationHint.forState(state)).startsWith("AXIMilter needs no network exposure");
    }

    @Test
    void shouldGiveNoHintWhenTheIpPortIsNotExposed() {
        // given
        final ExposureState inside = ExposureStateMachine.apply(null, Results.of("inside", Zone.INTERNAL, Outcome.MILTER, 1000)).state();
        // then
        assertThat(inside.getState()).isEqualTo(Exposure.NOT_EXPOSED);
        assertThat(RemediationHint.forState(inside)).isNull();
    }
}
