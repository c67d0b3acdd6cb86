package io.milterwatch.processor.logic;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.VantageObservation;
import io.milterwatch.schema.Zone;

/**
 * The exposure state machine of one ip:port, as a pure function: previous state and one probe
 * result in, next state and (on a transition only) one alert out.
 *
 * <ul>
 *   <li>A milter answering a vantage in a disallowed zone: {@code EXPOSED}, or {@code REGRESSED}
 *       when the port had been {@code REMEDIATED}.</li>
 *   <li>After an exposure, disallowed vantages refused or filtered while the allowed side still
 *       sees the milter (or has no vantage): {@code REMEDIATED}, the advisory's verified fix.</li>
 *   <li>Allowed vantages that saw the milter no longer do: {@code SERVICE_DOWN}.</li>
 *   <li>Otherwise, once there is any evidence: {@code NOT_EXPOSED}.</li>
 * </ul>
 * An ERROR result is recorded but is evidence of nothing. A repeat of the same evidence changes
 * nothing, so alerts are per transition, never per result.
 */
public final class ExposureStateMachine {

    private ExposureStateMachine() {
    }

    public static Decision apply(final ExposureState previous, final ProbeResult result) {
        final long now = result.getProbedAtMs();
        final String key = Endpoints.key(result.getIp(), result.getPort());
        final List<Zone> allowed = result.getAllowedZones();
        final Exposure before = previous == null ? Exposure.UNKNOWN : previous.getState();
        final Map<String, VantageObservation> vantages = new HashMap<>(previous == null ? Map.of() : previous.getVantages());
        final boolean allowedAnsweredBefore = answers(vantages, allowed, true);
        vantages.put(result.getVantage(), VantageObservation.newBuilder()
                .setVantage(result.getVantage()).setZone(result.getZone()).setOutcome(result.getOutcome())
                .setProduct(result.getProduct()).setRequestId(result.getRequestId()).setProbedAtMs(now).build());

        final boolean exposedNow = answers(vantages, allowed, false);
        final boolean disallowedRefuses = refuses(vantages, allowed, false);
        final boolean allowedAnswers = answers(vantages, allowed, true);
        final boolean allowedRefuses = refuses(vantages, allowed, true) && !allowedAnswers;
        final Exposure after = next(before, previous, exposedNow, disallowedRefuses, allowedAnswers, allowedRefuses, allowedAnsweredBefore,
                Evidence.of(result.getOutcome()) != Evidence.NONE);

        final String product = result.getProduct() != null ? result.getProduct() : previous == null ? null : previous.getProduct();
        final long transitions = (previous == null ? 0 : previous.getTransitions()) + (after != before ? 1 : 0);
        final ExposureState state = ExposureState.newBuilder()
                .setKey(key).setIp(result.getIp()).setPort(result.getPort()).setTargetId(result.getTargetId())
                .setState(after)
                .setPreviousState(after != before ? before : previous == null ? Exposure.UNKNOWN : previous.getPreviousState())
                .setSinceMs(after != before || previous == null ? now : previous.getSinceMs())
                .setAllowedZones(allowed)
                .setVantages(vantages)
                .setProduct(product)
                .setAllowedFromDisallowed(previous == null ? 0 : previous.getAllowedFromDisallowed())
                .setBlockedFromDisallowed(previous == null ? 0 : previous.getBlockedFromDisallowed())
                .setAllowedFromAllowed(previous == null ? 0 : previous.getAllowedFromAllowed())
                .setBlockedFromAllowed(previous == null ? 0 : previous.getBlockedFromAllowed())
                .setFirstSeenMs(previous == null ? now : previous.getFirstSeenMs())
                .setLastSeenMs(Math.max(now, previous == null ? now : previous.getLastSeenMs()))
                .setTransitions(transitions)
                .build();
        final Alert alert = after != before && alertable(after) ? alert(state, before, result) : null;
        return new Decision(state, alert);
    }

    private static Exposure next(final Exposure before, final ExposureState previous, final boolean exposedNow, final boolean disallowedRefuses,
            final boolean allowedAnswers, final boolean allowedRefuses, final boolean allowedAnsweredBefore, final boolean informative) {
        if (exposedNow) {
            return before == Exposure.REMEDIATED || before == Exposure.REGRESSED ? Exposure.REGRESSED : Exposure.EXPOSED;
        }
        final boolean wasExposed = before == Exposure.EXPOSED || before == Exposure.REGRESSED;
        switch (before) {
            case EXPOSED, REGRESSED, REMEDIATED -> {
                if (allowedRefuses) {
                    return Exposure.SERVICE_DOWN;
                }
                return wasExposed && !disallowedRefuses ? before : Exposure.REMEDIATED;
            }
            case SERVICE_DOWN -> {
                if (!allowedAnswers) {
                    return Exposure.SERVICE_DOWN;
                }
                final Exposure beforeDown = previous.getPreviousState();
                return beforeDown == Exposure.EXPOSED || beforeDown == Exposure.REGRESSED || beforeDown == Exposure.REMEDIATED
                        ? Exposure.REMEDIATED : Exposure.NOT_EXPOSED;
            }
            default -> {
                if (before == Exposure.NOT_EXPOSED && allowedAnsweredBefore && allowedRefuses) {
                    return Exposure.SERVICE_DOWN;
                }
                if (before == Exposure.UNKNOWN && !informative) {
                    return Exposure.UNKNOWN;
                }
                return Exposure.NOT_EXPOSED;
            }
        }
    }

    private static boolean answers(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.ANSWERS);
    }

    private static boolean refuses(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.SILENT_OR_REFUSED);
    }

    private static boolean alertable(final Exposure state) {
        return state != Exposure.UNKNOWN && state != Exposure.NOT_EXPOSED;
    }

    private static Alert alert(final ExposureState state, final Exposure from, final ProbeResult evidence) {
        final Exposure to = state.getState();
        final boolean aximilter = evidence.getOutcome() == Outcome.AXIMILTER || state.getPort() == 1981 && "AXIGEN AXIMilter".equals(state.getProduct());
        final Severity severity = switch (to) {
            case EXPOSED -> aximilter ? Severity.CRITICAL : Severity.HIGH;
            case REGRESSED -> Severity.CRITICAL;
            case SERVICE_DOWN -> Severity.MEDIUM;
            case STALE -> Severity.LOW;
            default -> Severity.INFO;
        };
        return Alert.newBuilder()
                .setAlertId(state.getKey() + "#" + state.getTransitions())
                .setKey(state.getKey()).setIp(state.getIp()).setPort(state.getPort()).setTargetId(state.getTargetId())
                .setSeverity(severity).setFromState(from).setToState(to)
                .setSummary(summary(state, from, evidence))
                .setEvidence(evidence)
                .setRemediation(to == Exposure.EXPOSED || to == Exposure.REGRESSED
                        ? RemediationHint.forPort(state.getIp(), state.getPort(), state.getProduct()) : null)
                .setProduct(state.getProduct())
                .setCreatedAtMs(evidence.getProbedAtMs())
                .build();
    }

    private static String summary(final ExposureState state, final Exposure from, final ProbeResult r) {
        final String what = r.getOutcome() == Outcome.AXIMILTER ? "AXIGEN AXIMilter"
                : r.getMilter() != null ? "milter (protocol v" + r.getMilter().getVersion() + (state.getProduct() == null ? "" : ", " + state.getProduct()) + ")"
                : "milter";
        final String allowed = String.join("/", state.getAllowedZones().stream().map(Zone::name).toList());
        final String seen = "vantage '" + r.getVantage() + "' (" + r.getZone() + ") saw " + r.getOutcome().name().toLowerCase(Locale.ROOT);
        return switch (state.getState()) {
            case EXPOSED -> what + " on " + state.getKey() + " answers from zone " + r.getZone() + " (vantage '" + r.getVantage()
                    + "'); only " + allowed + " may reach it";
            case REGRESSED -> "regression: " + what + " on " + state.getKey() + " answers from zone " + r.getZone() + " again (vantage '"
                    + r.getVantage() + "') after it had been remediated";
            case REMEDIATED -> "verified fix: " + state.getKey() + " no longer answers from disallowed zones (" + seen + ")"
                    + (answersFromAllowed(state) ? ", and still answers from " + allowed : ", no " + allowed + " vantage has confirmed the milter still works");
            case SERVICE_DOWN -> "the milter on " + state.getKey() + " no longer answers even from " + allowed + " (" + seen
                    + "); mail filtering may be broken";
            default -> state.getKey() + " went from " + from + " to " + state.getState() + " (" + seen + ")";
        };
    }

    private static boolean answersFromAllowed(final ExposureState state) {
        return answers(state.getVantages(), state.getAllowedZones(), true);
    }
}
