package io.milterwatch.processor.logic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.FirewallWindow;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.VantageObservation;
import io.milterwatch.schema.Zone;

/**
 * The exposure state machine of one ip:port, as pure functions: previous state and one piece of
 * evidence in, next state and (on a transition only) one alert out.
 *
 * <p>Probe results:
 * <ul>
 *   <li>a milter answering a vantage in a disallowed zone: {@code EXPOSED}, or {@code REGRESSED}
 *       when the port had been {@code REMEDIATED};</li>
 *   <li>after an exposure, disallowed vantages refused or filtered while the allowed side still
 *       sees the milter (or has no vantage): {@code REMEDIATED}, the advisory's verified fix;</li>
 *   <li>allowed vantages that saw the milter no longer do: {@code SERVICE_DOWN};</li>
 *   <li>otherwise, once there is any evidence: {@code NOT_EXPOSED}.</li>
 * </ul>
 * Firewall events: traffic the firewall allowed from a disallowed zone, newer than the current
 * state, to a remediated port is a regression; to a port known to be a milter, an exposure. Both
 * ask for an immediate re-probe (rate-limited) to confirm. Late events (older than the newest by
 * more than the grace period) and events from before the current state began are counted only.
 * Staleness: no result from a disallowed-zone vantage for {@code staleAfter} makes it {@code STALE}.
 * An ERROR result is recorded but is evidence of nothing; a repeat of the same evidence changes
 * nothing, so alerts are per transition, never per event. A result redelivered for a request
 * already applied is only counted ({@link #countDuplicate}).
 */
public final class ExposureStateMachine {

    static final int MAX_LINES = 5;
    static final int MAX_LINE_CHARS = 512;

    private ExposureStateMachine() {
    }

    // ---------------------------------------------------------------- probe results

    public static Decision apply(final ExposureState previous, final ProbeResult result) {
        final long now = result.getProbedAtMs();
        final List<Zone> allowed = result.getAllowedZones();
        final Exposure before = previous == null ? Exposure.UNKNOWN : previous.getState();
        // Coming back from STALE, judge against what the state was before it went stale.
        final Exposure base = before == Exposure.STALE ? previous.getPreviousState() : before;
        final Map<String, VantageObservation> vantages = new HashMap<>(previous == null ? Map.of() : previous.getVantages());
        final boolean allowedAnsweredBefore = answers(vantages, allowed, true);
        final VantageObservation last = vantages.get(result.getVantage());
        final boolean redelivered = last != null && last.getRequestId().equals(result.getRequestId());
        vantages.put(result.getVantage(), VantageObservation.newBuilder()
                .setVantage(result.getVantage()).setZone(result.getZone()).setOutcome(result.getOutcome())
                .setProduct(result.getProduct()).setRequestId(result.getRequestId()).setProbedAtMs(now).build());

        final boolean exposedNow = answers(vantages, allowed, false);
        // Only a refusal probed since the current state began can end it: a firewall line that regressed the port
        // (or exposed it) is newer than the outside's last CLOSED, and an inside re-probe must not undo it with that.
        final long stateBegan = previous == null ? Long.MIN_VALUE : previous.getSinceMs();
        final boolean disallowedRefuses = refuses(vantages, allowed, false, stateBegan);
        final boolean allowedAnswers = answers(vantages, allowed, true);
        final boolean allowedRefuses = refuses(vantages, allowed, true) && !allowedAnswers;
        final Exposure after = next(base, previous, exposedNow, disallowedRefuses, allowedAnswers, allowedRefuses, allowedAnsweredBefore,
                Evidence.of(result.getOutcome()) != Evidence.NONE);

        final ExposureState.Builder b = carry(previous, now)
                .setKey(Endpoints.key(result.getIp(), result.getPort())).setIp(result.getIp()).setPort(result.getPort())
                .setTargetId(result.getTargetId()).setAllowedZones(allowed).setVantages(vantages).setLabels(result.getLabels())
                .setDistinctResults((previous == null ? 0 : previous.getDistinctResults()) + (redelivered ? 0 : 1))
                .setMilterSeen((previous != null && previous.getMilterSeen()) || Evidence.of(result.getOutcome()) == Evidence.ANSWERS);
        if (result.getProduct() != null) {
            b.setProduct(result.getProduct());
        }
        final ExposureState state = transition(b, previous, before, after, now).build();
        final Alert alert = after != before && alertable(after) ? alert(state, before, result, List.of(), summary(state, before, result)) : null;
        return new Decision(state, alert);
    }

    /**
     * A probe result redelivered for a request already applied (a worker died between writing its
     * results and committing): counted, nothing else changes, no alert.
     *
     * @return null when there is no state to count it in
     */
    public static Decision countDuplicate(final ExposureState previous) {
        if (previous == null) {
            return null;
        }
        return new Decision(ExposureState.newBuilder(previous).setDuplicateResults(previous.getDuplicateResults() + 1).build(), null);
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

    // ---------------------------------------------------------------- firewall events

    /**
     * @param fromAllowedZone whether the event's source address lies in a zone the target allows
     * @return null when the ip:port is not watched (no state yet): the event concerns no target
     */
    public static Decision applyFirewall(final ExposureState previous, final FirewallEvent event, final Zone sourceZone,
            final CorrelationPolicy policy) {
        if (previous == null) {
            return null;
        }
        final long t = event.getTimestampMs();
        final boolean fromAllowed = previous.getAllowedZones().contains(sourceZone);
        final ExposureState.Builder b = ExposureState.newBuilder(previous);
        final boolean late = previous.getLastFirewallEventMs() > 0 && t < previous.getLastFirewallEventMs() - policy.grace().toMillis();
        if (late) {
            b.setLateFirewallEvents(previous.getLateFirewallEvents() + 1);
            return new Decision(b.build(), null);
        }
        final FirewallAction action = event.getAction();
        final boolean allowedTraffic = action == FirewallAction.ALLOW;
        final boolean blockedTraffic = action == FirewallAction.DROP || action == FirewallAction.REJECT;
        if (fromAllowed) {
            b.setAllowedFromAllowed(previous.getAllowedFromAllowed() + (allowedTraffic ? 1 : 0));
            b.setBlockedFromAllowed(previous.getBlockedFromAllowed() + (blockedTraffic ? 1 : 0));
        } else {
            b.setAllowedFromDisallowed(previous.getAllowedFromDisallowed() + (allowedTraffic ? 1 : 0));
            b.setBlockedFromDisallowed(previous.getBlockedFromDisallowed() + (blockedTraffic ? 1 : 0));
            if (event.getLine() != null && (allowedTraffic || blockedTraffic)) {
                b.setRecentFirewallLines(appendBounded(previous.getRecentFirewallLines(), event.getLine()));
            }
        }
        b.setFirewallWindows(count(previous.getFirewallWindows(), t, fromAllowed, allowedTraffic, blockedTraffic, policy,
                Math.max(t, previous.getLastFirewallEventMs())));
        b.setLastFirewallEventMs(Math.max(t, previous.getLastFirewallEventMs()));
        b.setLastSeenMs(Math.max(t, previous.getLastSeenMs()));
        if (fromAllowed || !allowedTraffic) {
            return new Decision(b.build(), null);
        }
        // Allowed traffic from a disallowed zone.
        final Exposure before = previous.getState();
        final Exposure base = before == Exposure.STALE ? previous.getPreviousState() : before;
        final boolean afterStateBegan = t >= previous.getSinceMs();
        final boolean knownMilter = previous.getMilterSeen() || base == Exposure.REMEDIATED;
        final boolean rateOk = previous.getLastFirewallReprobeMs() == 0
                || t - previous.getLastFirewallReprobeMs() >= policy.reprobeMinInterval().toMillis();
        final boolean reprobe = knownMilter && rateOk;
        if (reprobe) {
            b.setLastFirewallReprobeMs(t);
        }
        Exposure after = before;
        if (afterStateBegan && base == Exposure.REMEDIATED) {
            after = Exposure.REGRESSED;
        } else if (afterStateBegan && knownMilter && (base == Exposure.NOT_EXPOSED || base == Exposure.UNKNOWN)) {
            after = Exposure.EXPOSED;
        }
        final ExposureState state = transition(b, previous, before, after, t).build();
        final Alert alert = after != before
                ? alert(state, before, null, List.of(bound(event.getLine() == null ? describe(event) : event.getLine())),
                        firewallSummary(state, event, sourceZone))
                : null;
        return new Decision(state, alert, reprobe);
    }

    // ---------------------------------------------------------------- staleness

    /** STALE when no disallowed-zone vantage (or, lacking one, no vantage) reported for staleAfter; null when nothing changes. */
    public static Decision checkStale(final ExposureState previous, final long now, final CorrelationPolicy policy) {
        final Exposure before = previous.getState();
        if (before == Exposure.STALE || before == Exposure.UNKNOWN || previous.getVantages().isEmpty()) {
            return null;
        }
        long newest = Long.MIN_VALUE;
        for (final VantageObservation v : previous.getVantages().values()) {
            if (!previous.getAllowedZones().contains(v.getZone())) {
                newest = Math.max(newest, v.getProbedAtMs());
            }
        }
        if (newest == Long.MIN_VALUE) {
            for (final VantageObservation v : previous.getVantages().values()) {
                newest = Math.max(newest, v.getProbedAtMs());
            }
        }
        if (now - newest <= policy.staleAfter().toMillis()) {
            return null;
        }
        final ExposureState state = transition(ExposureState.newBuilder(previous), previous, before, Exposure.STALE, now).build();
        final String summary = "stale: no probe result for " + state.getKey() + " from a "
                + (hasDisallowedVantage(previous) ? "disallowed-zone " : "") + "vantage since "
                + java.time.Instant.ofEpochMilli(newest) + "; its exposure (" + before + ") can no longer be vouched for";
        return new Decision(state, alert(state, before, null, List.of(), summary, now));
    }

    // ---------------------------------------------------------------- helpers

    private static ExposureState.Builder carry(final ExposureState previous, final long now) {
        if (previous == null) {
            return ExposureState.newBuilder().setState(Exposure.UNKNOWN).setSinceMs(now).setFirstSeenMs(now).setLastSeenMs(now)
                    .setKey("").setIp("").setPort(0).setTargetId("");
        }
        return ExposureState.newBuilder(previous).setLastSeenMs(Math.max(now, previous.getLastSeenMs()));
    }

    private static ExposureState.Builder transition(final ExposureState.Builder b, final ExposureState previous, final Exposure before,
            final Exposure after, final long at) {
        if (after != before) {
            b.setState(after).setPreviousState(before).setSinceMs(at).setTransitions((previous == null ? 0 : previous.getTransitions()) + 1);
        } else {
            b.setState(after);
        }
        return b;
    }

    private static boolean answers(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.ANSWERS);
    }

    private static boolean refuses(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed) {
        return refuses(vantages, allowed, fromAllowed, Long.MIN_VALUE);
    }

    private static boolean refuses(final Map<String, VantageObservation> vantages, final List<Zone> allowed, final boolean fromAllowed,
            final long probedSince) {
        return vantages.values().stream()
                .filter(v -> allowed.contains(v.getZone()) == fromAllowed)
                .filter(v -> v.getProbedAtMs() >= probedSince)
                .anyMatch(v -> Evidence.of(v.getOutcome()) == Evidence.SILENT_OR_REFUSED);
    }

    private static boolean hasDisallowedVantage(final ExposureState s) {
        return s.getVantages().values().stream().anyMatch(v -> !s.getAllowedZones().contains(v.getZone()));
    }

    private static boolean alertable(final Exposure state) {
        return state != Exposure.UNKNOWN && state != Exposure.NOT_EXPOSED;
    }

    /**
     * Adds the event to its tumbling window. Windows close for good once the newest event time is
     * past their end plus the grace period (the late check above refuses anything older); closed
     * windows are kept as history up to {@link CorrelationPolicy#WINDOWS_KEPT}.
     */
    private static List<FirewallWindow> count(final List<FirewallWindow> windows, final long t, final boolean fromAllowed,
            final boolean allowedTraffic, final boolean blockedTraffic, final CorrelationPolicy policy, final long newest) {
        if (!allowedTraffic && !blockedTraffic) {
            return windows;
        }
        final long size = policy.window().toMillis();
        final long start = Math.floorDiv(t, size) * size;
        final List<FirewallWindow> out = new ArrayList<>(windows.size() + 1);
        boolean counted = false;
        for (final FirewallWindow w : windows) {
            if (w.getStartMs() == start) {
                out.add(add(FirewallWindow.newBuilder(w), fromAllowed, allowedTraffic).build());
                counted = true;
            } else {
                out.add(w);
            }
        }
        if (!counted) {
            out.add(add(FirewallWindow.newBuilder().setStartMs(start).setSizeMs(size), fromAllowed, allowedTraffic).build());
            out.sort(java.util.Comparator.comparingLong(FirewallWindow::getStartMs));
        }
        while (out.size() > CorrelationPolicy.WINDOWS_KEPT) {
            out.remove(0);
        }
        return out;
    }

    private static FirewallWindow.Builder add(final FirewallWindow.Builder w, final boolean fromAllowed, final boolean allowed) {
        if (fromAllowed) {
            return allowed ? w.setAllowedFromAllowed(w.getAllowedFromAllowed() + 1) : w.setBlockedFromAllowed(w.getBlockedFromAllowed() + 1);
        }
        return allowed ? w.setAllowedFromDisallowed(w.getAllowedFromDisallowed() + 1)
                : w.setBlockedFromDisallowed(w.getBlockedFromDisallowed() + 1);
    }

    private static List<String> appendBounded(final List<String> lines, final String line) {
        final List<String> out = new ArrayList<>(lines);
        out.add(bound(line));
        while (out.size() > MAX_LINES) {
            out.remove(0);
        }
        return out;
    }

    private static String bound(final String line) {
        return line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + "...";
    }

    private static String describe(final FirewallEvent e) {
        return e.getFormat() + " " + e.getAction() + " " + e.getProtocol() + " " + e.getSrcIp() + ":" + e.getSrcPort() + " -> " + e.getDstIp()
                + ":" + e.getDstPort();
    }

    private static Alert alert(final ExposureState state, final Exposure from, final ProbeResult evidence, final List<String> lines,
            final String summary) {
        return alert(state, from, evidence, lines, summary, evidence == null ? state.getSinceMs() : evidence.getProbedAtMs());
    }

    private static Alert alert(final ExposureState state, final Exposure from, final ProbeResult evidence, final List<String> lines,
            final String summary, final long at) {
        final Exposure to = state.getState();
        final boolean aximilter = evidence != null && evidence.getOutcome() == Outcome.AXIMILTER
                || state.getVantages().values().stream().anyMatch(v -> v.getOutcome() == Outcome.AXIMILTER);
        final Severity severity = switch (to) {
            case EXPOSED -> aximilter ? Severity.CRITICAL : Severity.HIGH;
            case REGRESSED -> Severity.CRITICAL;
            case SERVICE_DOWN -> Severity.MEDIUM;
            case STALE -> Severity.LOW;
            default -> Severity.INFO;
        };
        final List<String> allLines = new ArrayList<>(lines);
        if (allLines.isEmpty() && (to == Exposure.REMEDIATED || to == Exposure.EXPOSED || to == Exposure.REGRESSED)) {
            allLines.addAll(state.getRecentFirewallLines());
        }
        return Alert.newBuilder()
                .setAlertId(state.getKey() + "#" + state.getTransitions())
                .setKey(state.getKey()).setIp(state.getIp()).setPort(state.getPort()).setTargetId(state.getTargetId())
                .setSeverity(severity).setFromState(from).setToState(to)
                .setSummary(summary)
                .setEvidence(evidence)
                .setFirewallLines(allLines)
                .setRemediation(to == Exposure.EXPOSED || to == Exposure.REGRESSED
                        ? RemediationHint.forPort(state.getIp(), state.getPort(), aximilter ? "AXIGEN AXIMilter" : state.getProduct()) : null)
                .setProduct(state.getProduct())
                .setCreatedAtMs(at)
                .setLabels(state.getLabels())
                .build();
    }

    private static String summary(final ExposureState state, final Exposure from, final ProbeResult r) {
        final String what = r.getOutcome() == Outcome.AXIMILTER ? "AXIGEN AXIMilter"
                : r.getMilter() != null ? "milter (protocol v" + r.getMilter().getVersion() + (state.getProduct() == null ? "" : ", " + state.getProduct()) + ")"
                : "milter";
        final String allowed = zones(state);
        final String seen = "vantage '" + r.getVantage() + "' (" + r.getZone() + ") saw " + r.getOutcome().name().toLowerCase(Locale.ROOT);
        return switch (state.getState()) {
            case EXPOSED -> what + " on " + state.getKey() + " answers from zone " + r.getZone() + " (vantage '" + r.getVantage()
                    + "'); only " + allowed + " may reach it";
            case REGRESSED -> "regression: " + what + " on " + state.getKey() + " answers from zone " + r.getZone() + " again (vantage '"
                    + r.getVantage() + "') after it had been remediated";
            case REMEDIATED -> "verified fix: " + state.getKey() + " no longer answers from disallowed zones (" + seen + ")"
                    + (answers(state.getVantages(), state.getAllowedZones(), true) ? ", and still answers from " + allowed
                    : ", no " + allowed + " vantage has confirmed the milter still works")
                    + (state.getBlockedFromDisallowed() > 0 ? "; the firewall logged " + state.getBlockedFromDisallowed() + " blocked connection(s)" : "");
            case SERVICE_DOWN -> "the milter on " + state.getKey() + " no longer answers even from " + allowed + " (" + seen
                    + "); mail filtering may be broken";
            default -> state.getKey() + " went from " + from + " to " + state.getState() + " (" + seen + ")";
        };
    }

    private static String firewallSummary(final ExposureState state, final FirewallEvent e, final Zone sourceZone) {
        final String device = e.getDevice() == null ? "the firewall" : "firewall '" + e.getDevice() + "'";
        final String flow = e.getSrcIp() + (e.getSrcPort() == null ? "" : ":" + e.getSrcPort()) + " -> " + state.getKey();
        return switch (state.getState()) {
            case REGRESSED -> "regression: " + device + " allowed " + flow + " from zone " + sourceZone + " after the port had been remediated;"
                    + " re-probing to confirm";
            case EXPOSED -> device + " allowed " + flow + " from zone " + sourceZone + " to a known milter port; only " + zones(state)
                    + " may reach it; re-probing to confirm";
            default -> device + " logged " + flow + " (" + e.getAction() + ")";
        };
    }

    private static String zones(final ExposureState state) {
        return String.join("/", state.getAllowedZones().stream().map(Zone::name).toList());
    }
}
