package io.milterwatch.processor.logic;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.VantageObservation;
import io.milterwatch.schema.Zone;

/**
 * The exposure state machine of one ip:port, as pure functions: previous state and one piece of
 * evidence in, next state and (on a transition only) one alert out. This class records the
 * evidence (vantage observations, counts, product) and puts the parts together; the transitions
 * are {@link ExposureTransitions}, the firewall counts and windows {@link FirewallWindows}, the
 * alert text {@link AlertWording}.
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
 *
 * <p>The product guess is what the vantages say now, never a leftover: the newest guess of a vantage
 * that sees a milter, else of the newest vantage whose result said anything (see {@link #product}).
 */
public final class ExposureStateMachine {

    private ExposureStateMachine() {
    }

    // ---------------------------------------------------------------- probe results

    public static Decision apply(final ExposureState previous, final ProbeResult result) {
        final long now = result.getProbedAtMs();
        final Exposure before = previous == null ? Exposure.UNKNOWN : previous.getState();
        final Map<String, VantageObservation> earlier = previous == null ? Map.of() : previous.getVantages();
        final Map<String, VantageObservation> vantages = new HashMap<>(earlier);
        final VantageObservation last = vantages.get(result.getVantage());
        final boolean redelivered = last != null && last.getRequestId().equals(result.getRequestId());
        vantages.put(result.getVantage(), VantageObservation.newBuilder()
                .setVantage(result.getVantage()).setZone(result.getZone()).setOutcome(result.getOutcome())
                .setProduct(result.getProduct()).setRequestId(result.getRequestId()).setProbedAtMs(now).build());

        final Evidence evidence = Evidence.of(result.getOutcome());
        // Only a refusal probed since the current state began can end it: a firewall line that regressed the port
        // (or exposed it) is newer than the outside's last CLOSED, and an inside re-probe must not undo it with that.
        final long stateBegan = previous == null ? Long.MIN_VALUE : previous.getSinceMs();
        final ProbeFacts facts = ProbeFacts.of(earlier, vantages, result.getAllowedZones(), stateBegan, evidence);
        final Exposure after = ExposureTransitions.onProbe(ExposureTransitions.base(previous),
                previous == null ? null : previous.getPreviousState(), facts);

        final ExposureState.Builder b = carry(previous, now)
                .setKey(Endpoints.key(result.getIp(), result.getPort())).setIp(result.getIp()).setPort(result.getPort())
                .setTargetId(result.getTargetId()).setAllowedZones(result.getAllowedZones()).setVantages(vantages).setLabels(result.getLabels())
                .setDistinctResults((previous == null ? 0 : previous.getDistinctResults()) + (redelivered ? 0 : 1))
                .setMilterSeen((previous != null && previous.getMilterSeen()) || evidence == Evidence.ANSWERS);
        product(vantages).ifPresentOrElse(b::setProduct, () -> {
            if (evidence != Evidence.NONE) {
                b.setProduct(null);
            }
        });
        final ExposureState state = ExposureTransitions.enter(b, previous, before, after, now).build();
        final Alert alert = after != before && ExposureTransitions.alertable(after) ? AlertWording.forProbe(state, before, result) : null;
        return new Decision(state, alert);
    }

    /**
     * The product guess the vantages support now: the newest guess among vantages that see a milter;
     * when none does, the newest guess among those whose last result said anything. Empty when the
     * chosen observation has no guess (a milter that gives no hint must not keep an older port's
     * guess, such as {@code echo}), or when nothing was said at all.
     */
    static Optional<String> product(final Map<String, VantageObservation> vantages) {
        final Comparator<VantageObservation> newest = Comparator.comparingLong(VantageObservation::getProbedAtMs);
        final Optional<VantageObservation> answering = vantages.values().stream()
                .filter(v -> Evidence.of(v.getOutcome()) == Evidence.ANSWERS).max(newest);
        final Optional<VantageObservation> chosen = answering.isPresent() ? answering
                : vantages.values().stream().filter(v -> Evidence.of(v.getOutcome()) != Evidence.NONE).max(newest);
        return chosen.map(VantageObservation::getProduct);
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

    // ---------------------------------------------------------------- firewall events

    /**
     * @param sourceZone the zone of the event's source address
     * @return null when the ip:port is not watched (no state yet): the event concerns no target
     */
    public static Decision applyFirewall(final ExposureState previous, final FirewallEvent event, final Zone sourceZone,
            final CorrelationPolicy policy) {
        if (previous == null) {
            return null;
        }
        final long t = event.getTimestampMs();
        final ExposureState.Builder b = ExposureState.newBuilder(previous);
        if (FirewallWindows.late(previous, t, policy)) {
            FirewallWindows.countLate(b, previous);
            return new Decision(b.build(), null);
        }
        final boolean fromAllowed = previous.getAllowedZones().contains(sourceZone);
        FirewallWindows.count(b, previous, event, fromAllowed, policy);
        if (fromAllowed || event.getAction() != FirewallAction.ALLOW) {
            return new Decision(b.build(), null);
        }
        // Allowed traffic from a disallowed zone.
        final Exposure before = previous.getState();
        final Exposure base = ExposureTransitions.base(previous);
        final boolean knownMilter = previous.getMilterSeen() || base == Exposure.REMEDIATED;
        final boolean rateOk = previous.getLastFirewallReprobeMs() == 0
                || t - previous.getLastFirewallReprobeMs() >= policy.reprobeMinInterval().toMillis();
        final boolean reprobe = knownMilter && rateOk;
        if (reprobe) {
            b.setLastFirewallReprobeMs(t);
        }
        final Exposure after = ExposureTransitions.onAllowedFromDisallowed(before, base, t >= previous.getSinceMs(), knownMilter);
        final ExposureState state = ExposureTransitions.enter(b, previous, before, after, t).build();
        final Alert alert = after != before ? AlertWording.forFirewall(state, before, event, sourceZone) : null;
        return new Decision(state, alert, reprobe);
    }

    // ---------------------------------------------------------------- staleness

    /** STALE when no disallowed-zone vantage (or, lacking one, no vantage) reported for staleAfter; null when nothing changes. */
    public static Decision checkStale(final ExposureState previous, final long now, final CorrelationPolicy policy) {
        final Exposure before = previous.getState();
        if (!ExposureTransitions.canGoStale(before) || previous.getVantages().isEmpty()) {
            return null;
        }
        final boolean disallowedVantage = hasDisallowedVantage(previous);
        final long newest = previous.getVantages().values().stream()
                .filter(v -> !disallowedVantage || !previous.getAllowedZones().contains(v.getZone()))
                .mapToLong(VantageObservation::getProbedAtMs).max().orElseThrow();
        if (now - newest <= policy.staleAfter().toMillis()) {
            return null;
        }
        final ExposureState state = ExposureTransitions.enter(ExposureState.newBuilder(previous), previous, before, Exposure.STALE, now).build();
        return new Decision(state, AlertWording.forStale(state, before, disallowedVantage, newest, now));
    }

    // ---------------------------------------------------------------- helpers

    private static ExposureState.Builder carry(final ExposureState previous, final long now) {
        if (previous == null) {
            return ExposureState.newBuilder().setState(Exposure.UNKNOWN).setSinceMs(now).setFirstSeenMs(now).setLastSeenMs(now)
                    .setKey("").setIp("").setPort(0).setTargetId("");
        }
        return ExposureState.newBuilder(previous).setLastSeenMs(Math.max(now, previous.getLastSeenMs()));
    }

    private static boolean hasDisallowedVantage(final ExposureState s) {
        return s.getVantages().values().stream().anyMatch(v -> !s.getAllowedZones().contains(v.getZone()));
    }
}
