package io.milterwatch.processor.logic;

import static io.milterwatch.schema.FirewallAction.ALLOW;
import static io.milterwatch.schema.FirewallAction.DROP;
import static io.milterwatch.schema.Outcome.FILTERED;
import static io.milterwatch.schema.Outcome.MILTER;
import static io.milterwatch.schema.Zone.EXTERNAL;
import static io.milterwatch.schema.Zone.INTERNAL;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;

class FirewallAndStaleTransitionsTest {

    private static final CorrelationPolicy POLICY = new CorrelationPolicy(Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    private static final String OUTSIDE = "203.0.113.7";
    private ExposureState state;

    private Decision probe(final String vantage, final Zone zone, final io.milterwatch.schema.Outcome outcome, final long at) {
        final Decision d = ExposureStateMachine.apply(state, Results.of(vantage, zone, outcome, at));
        state = d.state();
        return d;
    }

    private Decision line(final String src, final Zone zone, final FirewallAction action, final long at) {
        final Decision d = ExposureStateMachine.applyFirewall(state, Results.firewall(src, action, at), zone, POLICY);
        if (d != null) {
            state = d.state();
        }
        return d;
    }

    private void remediated() {
        probe("in", INTERNAL, MILTER, 1_000);
        probe("out", EXTERNAL, MILTER, 2_000);
        assertThat(probe("out", EXTERNAL, FILTERED, 10_000).state().getState()).isEqualTo(Exposure.REMEDIATED);
    }

    @Test
    void shouldIgnoreFirewallEventsWhenTheEndpointIsNotWatched() {
        assertThat(line(OUTSIDE, EXTERNAL, ALLOW, 1_000)).isNull();
    }

    @Test
    void shouldRegressAndAskForAReprobeWhenAllowedTrafficFromOutsideReachesARemediatedPort() {
        // given
        remediated();
        // when
        final Decision d = line(OUTSIDE, EXTERNAL, ALLOW, 20_000);
        // then
        assertThat(d.state().getState()).isEqualTo(Exposure.REGRESSED);
        assertThat(d.alert().getFromState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(d.alert().getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(d.alert().getFirewallLines()).singleElement().asString().contains("SRC=" + OUTSIDE);
        assertThat(d.alert().getSummary()).contains("regression").contains("fw1").contains(OUTSIDE);
        assertThat(d.alert().getRemediation()).contains("--dport 8891");
        assertThat(d.reprobe()).isTrue();
        assertThat(d.state().getAllowedFromDisallowed()).isEqualTo(1);
    }

    @Test
    void shouldStayRegressedWhenTheInsideAnswersTheReprobeBeforeTheOutside() {
        // given: remediated (the outside's last probe, at t=10s, was FILTERED), then allowed traffic from outside at t=20s
        remediated();
        assertThat(line(OUTSIDE, EXTERNAL, ALLOW, 20_000).state().getState()).isEqualTo(Exposure.REGRESSED);
        // when: the re-probe's inside result comes first; the outside's FILTERED from t=10s is older than the regression
        final Decision inside = probe("in", INTERNAL, MILTER, 20_500);
        // then: still regressed, no alert
        assertThat(inside.state().getState()).isEqualTo(Exposure.REGRESSED);
        assertThat(inside.alert()).isNull();
        // and: the outside's re-probe confirms it without another alert
        final Decision outside = probe("out", EXTERNAL, MILTER, 20_600);
        assertThat(outside.state().getState()).isEqualTo(Exposure.REGRESSED);
        assertThat(outside.alert()).isNull();
        // and: a later refusal from the outside is a new, verified fix
        assertThat(probe("out", EXTERNAL, FILTERED, 30_000).state().getState()).isEqualTo(Exposure.REMEDIATED);
    }

    @Test
    void shouldNotRegressWhenTheAllowedLineIsOlderThanTheFix() {
        // given: the fix was verified at t=10s
        remediated();
        // when: a line logged at t=5s (before the fix) arrives late but within grace
        final Decision d = line(OUTSIDE, EXTERNAL, ALLOW, 5_000);
        // then: counted, no transition
        assertThat(d.alert()).isNull();
        assertThat(d.state().getState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(d.state().getAllowedFromDisallowed()).isEqualTo(1);
    }

    @Test
    void shouldCountButNotActOnEventsLaterThanTheGracePeriod() {
        // given
        remediated();
        line(OUTSIDE, EXTERNAL, DROP, 100_000);
        // when: an ALLOW line 60 s older than the newest seen arrives (grace is 30 s)
        final Decision d = line(OUTSIDE, EXTERNAL, ALLOW, 40_000);
        // then
        assertThat(d.alert()).isNull();
        assertThat(d.reprobe()).isFalse();
        assertThat(d.state().getLateFirewallEvents()).isEqualTo(1);
        assertThat(d.state().getState()).isEqualTo(Exposure.REMEDIATED);
    }

    @Test
    void shouldCountEventsInTheirEventTimeWindowsIncludingLateOnesWithinGrace() {
        // given: windows of 60 s; the state was remediated at t = 10 s
        remediated();
        // when: two blocked lines in the window [60 s, 120 s), one in [120 s, 180 s), then one that is
        // 25 s late (back in the first window, within the 30 s grace), then one 40 s late (beyond it)
        line(OUTSIDE, EXTERNAL, DROP, 61_000);
        line(OUTSIDE, EXTERNAL, DROP, 119_000);
        line(OUTSIDE, EXTERNAL, DROP, 121_000);
        line("10.1.2.3", INTERNAL, ALLOW, 121_500);
        line(OUTSIDE, EXTERNAL, DROP, 96_500);
        final Decision d = line(OUTSIDE, EXTERNAL, DROP, 81_000);
        // then
        assertThat(d.state().getFirewallWindows()).extracting(w -> w.getStartMs()).containsExactly(60_000L, 120_000L);
        assertThat(d.state().getFirewallWindows().get(0).getBlockedFromDisallowed()).isEqualTo(3);
        assertThat(d.state().getFirewallWindows().get(1).getBlockedFromDisallowed()).isEqualTo(1);
        assertThat(d.state().getFirewallWindows().get(1).getAllowedFromAllowed()).isEqualTo(1);
        assertThat(d.state().getLateFirewallEvents()).isEqualTo(1);
        assertThat(d.state().getBlockedFromDisallowed()).isEqualTo(4);
    }

    @Test
    void shouldKeepOnlyTheMostRecentWindows() {
        remediated();
        for (int i = 0; i < 15; i++) {
            line(OUTSIDE, EXTERNAL, DROP, 60_000L * (i + 1));
        }
        assertThat(state.getFirewallWindows()).hasSize(CorrelationPolicy.WINDOWS_KEPT);
        assertThat(state.getFirewallWindows().get(CorrelationPolicy.WINDOWS_KEPT - 1).getStartMs()).isEqualTo(60_000L * 15);
    }

    @Test
    void shouldCountBlockedLinesAndKeepThemAsEvidenceWithoutATransition() {
        remediated();
        final Decision d = line(OUTSIDE, EXTERNAL, DROP, 11_000);
        assertThat(d.alert()).isNull();
        assertThat(d.reprobe()).isFalse();
        assertThat(d.state().getBlockedFromDisallowed()).isEqualTo(1);
        assertThat(d.state().getRecentFirewallLines()).hasSize(1);
    }

    @Test
    void shouldIgnoreAllowedTrafficFromInsideForTransitions() {
        remediated();
        final Decision d = line("10.1.2.3", INTERNAL, ALLOW, 20_000);
        assertThat(d.alert()).isNull();
        assertThat(d.state().getAllowedFromAllowed()).isEqualTo(1);
        assertThat(d.state().getRecentFirewallLines()).isEmpty();
    }

    @Test
    void shouldRateLimitFirewallReprobesPerEndpoint() {
        remediated();
        assertThat(line(OUTSIDE, EXTERNAL, ALLOW, 20_000).reprobe()).isTrue();
        assertThat(line(OUTSIDE, EXTERNAL, ALLOW, 25_000).reprobe()).isFalse();
        assertThat(line(OUTSIDE, EXTERNAL, ALLOW, 31_000).reprobe()).isTrue();
        // and only the first caused a transition
        assertThat(state.getTransitions()).isEqualTo(4);
    }

    @Test
    void shouldExposeAKnownMilterPortWhenTheFirewallAllowsOutsideTraffic() {
        probe("in", INTERNAL, MILTER, 1_000);
        assertThat(state.getState()).isEqualTo(Exposure.NOT_EXPOSED);
        final Decision d = line(OUTSIDE, EXTERNAL, ALLOW, 2_000);
        assertThat(d.alert().getToState()).isEqualTo(Exposure.EXPOSED);
        assertThat(d.reprobe()).isTrue();
    }

    @Test
    void shouldGoStaleWhenTheExternalVantageStopsReportingAndRecoverWhenItReturns() {
        // given
        remediated();
        // then: not stale within the limit, even though the inside keeps reporting
        probe("in", INTERNAL, MILTER, 500_000);
        assertThat(ExposureStateMachine.checkStale(state, 10_000 + 600_000, POLICY)).isNull();
        // when: the outside has been silent for more than 10 minutes
        final Decision stale = ExposureStateMachine.checkStale(state, 10_000 + 600_001, POLICY);
        state = stale.state();
        // then
        assertThat(stale.alert().getToState()).isEqualTo(Exposure.STALE);
        assertThat(stale.alert().getFromState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(stale.alert().getSeverity()).isEqualTo(Severity.LOW);
        assertThat(ExposureStateMachine.checkStale(state, 10_000_000, POLICY)).as("no second STALE alert").isNull();
        // when: the outside reports a milter again: judged against REMEDIATED, so a regression
        final Decision back = probe("out", EXTERNAL, MILTER, 700_000);
        assertThat(back.alert().getToState()).isEqualTo(Exposure.REGRESSED);
        assertThat(back.alert().getFromState()).isEqualTo(Exposure.STALE);
    }

    @Test
    void shouldReturnToTheSameStateWithoutAlertWhenStaleEndsQuietly() {
        probe("in", INTERNAL, MILTER, 1_000);
        probe("out", EXTERNAL, FILTERED, 1_000);
        state = ExposureStateMachine.checkStale(state, 1_000_000, POLICY).state();
        final Decision back = probe("out", EXTERNAL, FILTERED, 1_100_000);
        assertThat(back.state().getState()).isEqualTo(Exposure.NOT_EXPOSED);
        assertThat(back.alert()).isNull();
    }
}
