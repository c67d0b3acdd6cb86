package io.milterwatch.processor.logic;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;

/**
 * Every transition of the exposure state machine, in one place. Pure functions of the state the
 * port is judged from and the named facts of the new evidence; the bookkeeping (vantages, firewall
 * counts) and the alert text live in {@link ExposureStateMachine}, {@link FirewallWindows} and
 * {@link AlertWording}.
 *
 * <pre>
 *   probe result    UNKNOWN/NOT_EXPOSED --outside sees a milter--> EXPOSED
 *                   EXPOSED --outside refused since, inside fine--> REMEDIATED --outside sees it--> REGRESSED
 *                   EXPOSED/REGRESSED/REMEDIATED --inside refused--> SERVICE_DOWN --inside answers--> REMEDIATED or NOT_EXPOSED
 *                   NOT_EXPOSED --inside answered, now refused--> SERVICE_DOWN
 *   firewall ALLOW  REMEDIATED --from a disallowed zone--> REGRESSED
 *   from outside    UNKNOWN/NOT_EXPOSED of a known milter --> EXPOSED
 *   no result       any judged state --staleAfter without a disallowed-zone result--> STALE (judged as before on return)
 * </pre>
 */
public final class ExposureTransitions {

    private ExposureTransitions() {
    }

    /**
     * The state to judge new evidence against: coming back from STALE, the state before it went stale.
     */
    public static Exposure base(final ExposureState previous) {
        if (previous == null) {
            return Exposure.UNKNOWN;
        }
        return previous.getState() == Exposure.STALE ? previous.getPreviousState() : previous.getState();
    }

    /**
     * @param base       the state judged from ({@link #base})
     * @param beforeDown when {@code base} is SERVICE_DOWN, the state it went down from
     */
    public static Exposure onProbe(final Exposure base, final Exposure beforeDown, final ProbeFacts facts) {
        if (facts.exposedNow()) {
            return base == Exposure.REMEDIATED || base == Exposure.REGRESSED ? Exposure.REGRESSED : Exposure.EXPOSED;
        }
        final boolean wasExposed = base == Exposure.EXPOSED || base == Exposure.REGRESSED;
        switch (base) {
            case EXPOSED, REGRESSED, REMEDIATED -> {
                if (facts.allowedRefuses()) {
                    return Exposure.SERVICE_DOWN;
                }
                return wasExposed && !facts.disallowedRefuses() ? base : Exposure.REMEDIATED;
            }
            case SERVICE_DOWN -> {
                if (!facts.allowedAnswers()) {
                    return Exposure.SERVICE_DOWN;
                }
                return beforeDown == Exposure.EXPOSED || beforeDown == Exposure.REGRESSED || beforeDown == Exposure.REMEDIATED
                        ? Exposure.REMEDIATED : Exposure.NOT_EXPOSED;
            }
            default -> {
                if (base == Exposure.NOT_EXPOSED && facts.allowedAnsweredBefore() && facts.allowedRefuses()) {
                    return Exposure.SERVICE_DOWN;
                }
                if (base == Exposure.UNKNOWN && !facts.informative()) {
                    return Exposure.UNKNOWN;
                }
                return Exposure.NOT_EXPOSED;
            }
        }
    }

    /**
     * Traffic the firewall allowed from a disallowed zone.
     *
     * @param current         the state as it stands (returned when nothing changes)
     * @param base            the state judged from ({@link #base})
     * @param afterStateBegan the traffic is not older than the current state
     * @param knownMilter     a milter was seen on the port (or it was remediated, which implies one)
     */
    public static Exposure onAllowedFromDisallowed(final Exposure current, final Exposure base, final boolean afterStateBegan,
            final boolean knownMilter) {
        if (afterStateBegan && base == Exposure.REMEDIATED) {
            return Exposure.REGRESSED;
        }
        if (afterStateBegan && knownMilter && (base == Exposure.NOT_EXPOSED || base == Exposure.UNKNOWN)) {
            return Exposure.EXPOSED;
        }
        return current;
    }

    /** Whether a state can go STALE: one that was judged on evidence and is not stale already. */
    public static boolean canGoStale(final Exposure current) {
        return current != Exposure.STALE && current != Exposure.UNKNOWN;
    }

    /** Whether entering the state raises an alert on a probe result (NOT_EXPOSED and UNKNOWN are not news). */
    public static boolean alertable(final Exposure state) {
        return state != Exposure.UNKNOWN && state != Exposure.NOT_EXPOSED;
    }

    /** Sets the new state; a change records where it came from, when, and counts the transition. */
    static ExposureState.Builder enter(final ExposureState.Builder b, final ExposureState previous, final Exposure before,
            final Exposure after, final long at) {
        if (after != before) {
            b.setState(after).setPreviousState(before).setSinceMs(at).setTransitions((previous == null ? 0 : previous.getTransitions()) + 1);
        } else {
            b.setState(after);
        }
        return b;
    }
}
