package io.milterwatch.processor.logic;

import static io.milterwatch.schema.Exposure.EXPOSED;
import static io.milterwatch.schema.Exposure.NOT_EXPOSED;
import static io.milterwatch.schema.Exposure.REGRESSED;
import static io.milterwatch.schema.Exposure.REMEDIATED;
import static io.milterwatch.schema.Exposure.SERVICE_DOWN;
import static io.milterwatch.schema.Exposure.STALE;
import static io.milterwatch.schema.Exposure.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import io.milterwatch.schema.ExposureState;
import org.junit.jupiter.api.Test;

class ExposureTransitionsTest {

    private static final ProbeFacts OUTSIDE_SEES_MILTER = new ProbeFacts(true, false, true, false, true, true);
    private static final ProbeFacts OUTSIDE_REFUSED_INSIDE_FINE = new ProbeFacts(false, true, true, false, true, true);
    private static final ProbeFacts INSIDE_REFUSED = new ProbeFacts(false, true, false, true, true, true);
    private static final ProbeFacts NOTHING_SAID = new ProbeFacts(false, false, false, false, false, false);

    @Test
    void shouldExposeOrRegressWhenTheOutsideSeesAMilter() {
        assertThat(ExposureTransitions.onProbe(UNKNOWN, null, OUTSIDE_SEES_MILTER)).isEqualTo(EXPOSED);
        assertThat(ExposureTransitions.onProbe(NOT_EXPOSED, null, OUTSIDE_SEES_MILTER)).isEqualTo(EXPOSED);
        assertThat(ExposureTransitions.onProbe(REMEDIATED, null, OUTSIDE_SEES_MILTER)).isEqualTo(REGRESSED);
        assertThat(ExposureTransitions.onProbe(REGRESSED, null, OUTSIDE_SEES_MILTER)).isEqualTo(REGRESSED);
    }

    @Test
    void shouldRemediateOnlyWhenTheOutsideWasRefusedSinceTheExposure() {
        assertThat(ExposureTransitions.onProbe(EXPOSED, null, OUTSIDE_REFUSED_INSIDE_FINE)).isEqualTo(REMEDIATED);
        final ProbeFacts oldRefusal = new ProbeFacts(false, false, true, false, true, true);
        assertThat(ExposureTransitions.onProbe(EXPOSED, null, oldRefusal)).isEqualTo(EXPOSED);
    }

    @Test
    void shouldGoDownAndComeBackToWhereItWasWhenTheInsideLosesTheMilter() {
        assertThat(ExposureTransitions.onProbe(REMEDIATED, null, INSIDE_REFUSED)).isEqualTo(SERVICE_DOWN);
        assertThat(ExposureTransitions.onProbe(NOT_EXPOSED, null, INSIDE_REFUSED)).isEqualTo(SERVICE_DOWN);
        assertThat(ExposureTransitions.onProbe(SERVICE_DOWN, REMEDIATED, OUTSIDE_REFUSED_INSIDE_FINE)).isEqualTo(REMEDIATED);
        assertThat(ExposureTransitions.onProbe(SERVICE_DOWN, NOT_EXPOSED, OUTSIDE_REFUSED_INSIDE_FINE)).isEqualTo(NOT_EXPOSED);
        assertThat(ExposureTransitions.onProbe(SERVICE_DOWN, REMEDIATED, INSIDE_REFUSED)).isEqualTo(SERVICE_DOWN);
    }

    @Test
    void shouldStayUnknownWhenAResultSaysNothing() {
        assertThat(ExposureTransitions.onProbe(UNKNOWN, null, NOTHING_SAID)).isEqualTo(UNKNOWN);
        assertThat(ExposureTransitions.onProbe(NOT_EXPOSED, null, NOTHING_SAID)).isEqualTo(NOT_EXPOSED);
    }

    @Test
    void shouldRegressOrExposeOnAllowedOutsideTrafficOnlyWhenNewerThanTheState() {
        assertThat(ExposureTransitions.onAllowedFromDisallowed(REMEDIATED, REMEDIATED, true, true)).isEqualTo(REGRESSED);
        assertThat(ExposureTransitions.onAllowedFromDisallowed(REMEDIATED, REMEDIATED, false, true)).isEqualTo(REMEDIATED);
        assertThat(ExposureTransitions.onAllowedFromDisallowed(NOT_EXPOSED, NOT_EXPOSED, true, true)).isEqualTo(EXPOSED);
        assertThat(ExposureTransitions.onAllowedFromDisallowed(NOT_EXPOSED, NOT_EXPOSED, true, false)).isEqualTo(NOT_EXPOSED);
        assertThat(ExposureTransitions.onAllowedFromDisallowed(STALE, REMEDIATED, true, true)).isEqualTo(REGRESSED);
    }

    @Test
    void shouldJudgeAStaleStateByWhatItWasBefore() {
        final ExposureState stale = ExposureState.newBuilder().setKey("k").setIp("192.0.2.1").setPort(1).setTargetId("t")
                .setState(STALE).setPreviousState(REMEDIATED).setSinceMs(1).setFirstSeenMs(1).setLastSeenMs(1).build();
        assertThat(ExposureTransitions.base(stale)).isEqualTo(REMEDIATED);
        assertThat(ExposureTransitions.base(null)).isEqualTo(UNKNOWN);
        assertThat(ExposureTransitions.canGoStale(STALE)).isFalse();
        assertThat(ExposureTransitions.canGoStale(UNKNOWN)).isFalse();
        assertThat(ExposureTransitions.canGoStale(NOT_EXPOSED)).isTrue();
    }

    @Test
    void shouldCountAndDateATransitionOnlyWhenTheStateChanges() {
        final ExposureState previous = ExposureState.newBuilder().setKey("k").setIp("192.0.2.1").setPort(1).setTargetId("t")
                .setState(NOT_EXPOSED).setSinceMs(1).setFirstSeenMs(1).setLastSeenMs(1).setTransitions(1).build();
        final ExposureState same = ExposureTransitions.enter(ExposureState.newBuilder(previous), previous, NOT_EXPOSED, NOT_EXPOSED, 50).build();
        assertThat(same).isEqualTo(previous);
        final ExposureState changed = ExposureTransitions.enter(ExposureState.newBuilder(previous), previous, NOT_EXPOSED, EXPOSED, 50).build();
        assertThat(changed.getState()).isEqualTo(EXPOSED);
        assertThat(changed.getPreviousState()).isEqualTo(NOT_EXPOSED);
        assertThat(changed.getSinceMs()).isEqualTo(50);
        assertThat(changed.getTransitions()).isEqualTo(2);
    }
}
