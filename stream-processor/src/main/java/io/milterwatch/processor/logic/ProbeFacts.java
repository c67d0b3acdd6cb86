package io.milterwatch.processor.logic;

import java.util.List;
import java.util.Map;

import io.milterwatch.schema.VantageObservation;
import io.milterwatch.schema.Zone;

/**
 * What the vantages of one ip:port say after a probe result was recorded: the facts the
 * transitions of {@link ExposureTransitions#onProbe} are decided on, named instead of a row of
 * positional booleans.
 *
 * @param exposedNow            a vantage in a disallowed zone sees a milter
 * @param disallowedRefuses     a disallowed-zone vantage was refused or filtered since the current
 *                              state began (older refusals cannot end it)
 * @param allowedAnswers        an allowed-zone vantage sees the milter
 * @param allowedRefuses        an allowed-zone vantage is refused and none sees the milter
 * @param allowedAnsweredBefore an allowed-zone vantage saw the milter before this result
 * @param informative           the result says anything (an ERROR says nothing)
 */
public record ProbeFacts(boolean exposedNow, boolean disallowedRefuses, boolean allowedAnswers, boolean allowedRefuses,
        boolean allowedAnsweredBefore, boolean informative) {

    /**
     * @param before     the vantages' observations before the result
     * @param after      the observations with the result recorded
     * @param stateBegan when the current state began (refusals older than that are not counted)
     */
    public static ProbeFacts of(final Map<String, VantageObservation> before, final Map<String, VantageObservation> after,
            final List<Zone> allowed, final long stateBegan, final Evidence result) {
        final boolean allowedAnswers = answers(after, allowed, true);
        return new ProbeFacts(answers(after, allowed, false), refuses(after, allowed, false, stateBegan), allowedAnswers,
                refuses(after, allowed, true, Long.MIN_VALUE) && !allowedAnswers, answers(before, allowed, true), result != Evidence.NONE);
    }

    /** Whether a vantage on the allowed side ({@code fromAllowed}) or the disallowed side sees a milter. */
    static boolean answers(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.ANSWERS);
    }

    private static boolean refuses(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed,
            final long probedSince) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .filter(v -> v.getProbedAtMs() >= probedSince)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.SILENT_OR_REFUSED);
    }
}
