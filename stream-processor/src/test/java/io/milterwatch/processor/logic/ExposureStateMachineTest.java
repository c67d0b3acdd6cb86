package io.milterwatch.processor.logic;

import static io.milterwatch.schema.Outcome.CLOSED;
import static io.milterwatch.schema.Outcome.ERROR;
import static io.milterwatch.schema.Outcome.FILTERED;
import static io.milterwatch.schema.Outcome.MILTER;
import static io.milterwatch.schema.Outcome.OTHER_SERVICE;
import static io.milterwatch.schema.Zone.EXTERNAL;
import static io.milterwatch.schema.Zone.INTERNAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Severity;
import org.junit.jupiter.api.Test;

class ExposureStateMachineTest {

    private ExposureState state;

    private Decision feed(final String vantage, final io.milterwatch.schema.Zone zone, final io.milterwatch.schema.Outcome outcome,
            final long at) {
        final Decision d = ExposureStateMachine.apply(state, Results.of(vantage, zone, outcome, at));
        state = d.state();
        return d;
    }

    @Test
    void shouldRaiseHighAlertWithPortSpecificHintWhenMilterAnswersFromExternal() {
        final Decision d = feed("out", EXTERNAL, MILTER, 1000);
        assertThat(d.state().getState()).isEqualTo(Exposure.EXPOSED);
        assertThat(d.alert().getSeverity()).isEqualTo(Severity.HIGH);
        assertThat(d.alert().getFromState()).isEqualTo(Exposure.UNKNOWN);
        assertThat(d.alert().getSummary()).contains("192.0.2.10:8891").contains("EXTERNAL").contains("'out'");
        assertThat(d.alert().getRemediation()).contains("--dport 8891").contains("MTA_IP").doesNotContain("--dport 25 ");
        assertThat(d.alert().getAlertId()).isEqualTo("192.0.2.10:8891#1");
        assertThat(d.alert().getEvidence().getVantage()).isEqualTo("out");
    }

    @Test
    void shouldNotRepeatTheAlertWhenTheSameEvidenceArrivesAgain() {
        feed("out", EXTERNAL, MILTER, 1000);
        final Decision again = feed("out", EXTERNAL, MILTER, 2000);
        assertThat(again.alert()).isNull();
        assertThat(again.state().getState()).isEqualTo(Exposure.EXPOSED);
        assertThat(again.state().getSinceMs()).isEqualTo(1000);
        assertThat(again.state().getLastSeenMs()).isEqualTo(2000);
    }

    @Test
    void shouldCountARedeliveredResultOfTheSameRequestOnce() {
        // given: a worker crashed after publishing but before committing; the request is probed again
        final io.milterwatch.schema.ProbeResult first = Results.of("out", EXTERNAL, MILTER, 1000);
        final io.milterwatch.schema.ProbeResult again = io.milterwatch.schema.ProbeResult.newBuilder(first).setProbedAtMs(1500).build();
        // when
        state = ExposureStateMachine.apply(null, first).state();
        final Decision d = ExposureStateMachine.apply(state, again);
        // then
        assertThat(d.state().getDistinctResults()).isEqualTo(1);
        assertThat(d.alert()).isNull();
        assertThat(ExposureStateMachine.apply(d.state(), Results.of("out", EXTERNAL, MILTER, 2000)).state().getDistinctResults()).isEqualTo(2);
    }

    @Test
    void shouldOnlyCountADuplicateWhenItIsRecognisedAsARedelivery() {
        // given
        feed("in", INTERNAL, MILTER, 1000);
        feed("out", EXTERNAL, MILTER, 2000);
        // when
        final Decision d = ExposureStateMachine.countDuplicate(state);
        // then: the count grows, nothing else changes, no alert
        assertThat(d.alert()).isNull();
        assertThat(d.state().getDuplicateResults()).isEqualTo(1);
        assertThat(ExposureState.newBuilder(d.state()).setDuplicateResults(0).build()).isEqualTo(state);
        assertThat(ExposureStateMachine.countDuplicate(d.state()).state().getDuplicateResults()).isEqualTo(2);
        assertThat(ExposureStateMachine.countDuplicate(null)).isNull();
    }

    @Test
    void shouldBeNotExposedWhenOnlyTheInsideSeesTheMilter() {
        final Decision d = feed("in", INTERNAL, MILTER, 1000);
        assertThat(d.state().getState()).isEqualTo(Exposure.NOT_EXPOSED);
        assertThat(d.alert()).isNull();
    }

    @Test
    void shouldWalkExposedRemediatedRegressedWithOneAlertPerTransition() {
        feed("in", INTERNAL, MILTER, 1000);
        assertThat(feed("out", EXTERNAL, MILTER, 2000).alert().getToState()).isEqualTo(Exposure.EXPOSED);
        final Decision fixed = feed("out", EXTERNAL, FILTERED, 3000);
        assertThat(fixed.alert().getToState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(fixed.alert().getSeverity()).isEqualTo(Severity.INFO);
        assertThat(fixed.alert().getSummary()).contains("still answers from INTERNAL");
        assertThat(feed("in", INTERNAL, MILTER, 3500).alert()).isNull();
        final Decision back = feed("out", EXTERNAL, MILTER, 4000);
        assertThat(back.alert().getToState()).isEqualTo(Exposure.REGRESSED);
        assertThat(back.alert().getFromState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(back.alert().getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(back.state().getTransitions()).isEqualTo(4);
    }

    @Test
    void shouldReportServiceDownWhenTheInsideLosesTheMilterAfterRemediation() {
        feed("in", INTERNAL, MILTER, 1000);
        feed("out", EXTERNAL, MILTER, 2000);
        feed("out", EXTERNAL, CLOSED, 3000);
        final Decision down = feed("in", INTERNAL, CLOSED, 4000);
        assertThat(down.alert().getToState()).isEqualTo(Exposure.SERVICE_DOWN);
        assertThat(down.alert().getSeverity()).isEqualTo(Severity.MEDIUM);
        final Decision up = feed("in", INTERNAL, MILTER, 5000);
        assertThat(up.state().getState()).isEqualTo(Exposure.REMEDIATED);
    }

    @Test
    void shouldTreatErrorsAsNoEvidence() {
        assertThat(feed("out", EXTERNAL, ERROR, 1000).state().getState()).isEqualTo(Exposure.UNKNOWN);
        feed("out", EXTERNAL, MILTER, 2000);
        final Decision err = feed("out", EXTERNAL, ERROR, 3000);
        assertThat(err.state().getState()).isEqualTo(Exposure.EXPOSED);
        assertThat(err.alert()).isNull();
    }

    @Test
    void shouldDropAStaleProductWhenThePortBecomesAMilterWithoutAGuess() {
        // given: the port echoed at first (another service, guessed 'echo')
        final Decision echo = apply(io.milterwatch.schema.ProbeResult.newBuilder(Results.of("out", EXTERNAL, OTHER_SERVICE, 1000))
                .setProduct("echo").build());
        assertThat(echo.state().getProduct()).isEqualTo("echo");
        // when: a real milter answers there, with no product guess
        final Decision milter = apply(io.milterwatch.schema.ProbeResult.newBuilder(Results.of("out", EXTERNAL, MILTER, 2000))
                .setProduct(null).build());
        // then: neither the state nor the alert keeps the echo guess
        assertThat(milter.state().getState()).isEqualTo(Exposure.EXPOSED);
        assertThat(milter.state().getProduct()).isNull();
        assertThat(milter.alert().getProduct()).isNull();
        assertThat(milter.alert().getSummary()).startsWith("milter (protocol v6) on 192.0.2.10:8891").doesNotContain("echo");
        assertThat(milter.alert().getRemediation()).doesNotContain("echo");
    }

    @Test
    void shouldReplaceAStaleProductWithTheMilterGuessWhenThePortBecomesAMilter() {
        apply(io.milterwatch.schema.ProbeResult.newBuilder(Results.of("out", EXTERNAL, OTHER_SERVICE, 1000)).setProduct("echo").build());
        final Decision milter = feed("out", EXTERNAL, MILTER, 2000);
        assertThat(milter.state().getProduct()).isEqualTo("OpenDKIM");
        assertThat(milter.alert().getSummary()).contains("milter (protocol v6, OpenDKIM)");
    }

    @Test
    void shouldKeepTheMilterGuessWhenTheOutsideIsFilteredOrAProbeErrs() {
        // given: the inside sees OpenDKIM
        feed("in", INTERNAL, MILTER, 1000);
        // when: the outside is filtered (no guess) and then a probe errs
        assertThat(feed("out", EXTERNAL, FILTERED, 2000).state().getProduct()).isEqualTo("OpenDKIM");
        // then
        assertThat(feed("in", INTERNAL, ERROR, 3000).state().getProduct()).isEqualTo("OpenDKIM");
    }

    private Decision apply(final io.milterwatch.schema.ProbeResult result) {
        final Decision d = ExposureStateMachine.apply(state, result);
        state = d.state();
        return d;
    }
}
