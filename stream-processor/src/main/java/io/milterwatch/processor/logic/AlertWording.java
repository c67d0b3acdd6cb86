package io.milterwatch.processor.logic;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Zone;

/**
 * Everything an alert says, in one place: severity, summary text for each kind of evidence (a
 * probe result, a firewall line, staleness), quoted firewall lines and the remediation hint. Takes
 * the state after the transition; decides nothing about the transition itself.
 */
public final class AlertWording {

    static final String AXIMILTER = "AXIGEN AXIMilter";

    private AlertWording() {
    }

    /** The alert for a transition caused by a probe result. */
    public static Alert forProbe(final ExposureState state, final Exposure from, final ProbeResult result) {
        return alert(state, from, result, List.of(), probeSummary(state, from, result), result.getProbedAtMs());
    }

    /** The alert for a transition caused by a firewall line (quoted, or described when the event has none). */
    public static Alert forFirewall(final ExposureState state, final Exposure from, final FirewallEvent event, final Zone sourceZone) {
        return alert(state, from, null, List.of(FirewallWindows.bound(event.getLine() == null ? describe(event) : event.getLine())),
                firewallSummary(state, event, sourceZone), state.getSinceMs());
    }

    /**
     * The alert for going STALE.
     *
     * @param newest when the last result that counts was probed
     */
    public static Alert forStale(final ExposureState state, final Exposure from, final boolean disallowedVantage, final long newest,
            final long now) {
        final String summary = "stale: no probe result for " + state.getKey() + " from a " + (disallowedVantage ? "disallowed-zone " : "")
                + "vantage since " + Instant.ofEpochMilli(newest) + "; its exposure (" + from + ") can no longer be vouched for";
        return alert(state, from, null, List.of(), summary, now);
    }

    static Severity severity(final Exposure to, final boolean aximilter) {
        return switch (to) {
            case EXPOSED -> aximilter ? Severity.CRITICAL : Severity.HIGH;
            case REGRESSED -> Severity.CRITICAL;
            case SERVICE_DOWN -> Severity.MEDIUM;
            case STALE -> Severity.LOW;
            default -> Severity.INFO;
        };
    }

    private static Alert alert(final ExposureState state, final Exposure from, final ProbeResult evidence, final List<String> lines,
            final String summary, final long at) {
        final Exposure to = state.getState();
        final boolean aximilter = evidence != null && evidence.getOutcome() == Outcome.AXIMILTER
                || state.getVantages().values().stream().anyMatch(v -> v.getOutcome() == Outcome.AXIMILTER);
        final List<String> allLines = new ArrayList<>(lines);
        if (allLines.isEmpty() && (to == Exposure.REMEDIATED || to == Exposure.EXPOSED || to == Exposure.REGRESSED)) {
            allLines.addAll(state.getRecentFirewallLines());
        }
        return Alert.newBuilder()
                .setAlertId(state.getKey() + "#" + state.getTransitions())
                .setKey(state.getKey()).setIp(state.getIp()).setPort(state.getPort()).setTargetId(state.getTargetId())
                .setSeverity(severity(to, aximilter)).setFromState(from).setToState(to)
                .setSummary(summary)
                .setEvidence(evidence)
                .setFirewallLines(allLines)
                .setRemediation(to == Exposure.EXPOSED || to == Exposure.REGRESSED
                        ? RemediationHint.forPort(state.getIp(), state.getPort(), aximilter ? AXIMILTER : state.getProduct()) : null)
                .setProduct(state.getProduct())
                .setCreatedAtMs(at)
                .setLabels(state.getLabels())
                .build();
    }

    static String probeSummary(final ExposureState state, final Exposure from, final ProbeResult r) {
        final String what = r.getOutcome() == Outcome.AXIMILTER ? AXIMILTER
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
                    + (ProbeFacts.answers(state.getVantages(), state.getAllowedZones(), true) ? ", and still answers from " + allowed
                    : ", no " + allowed + " vantage has confirmed the milter still works")
                    + (state.getBlockedFromDisallowed() > 0 ? "; the firewall logged " + state.getBlockedFromDisallowed() + " blocked connection(s)" : "");
            case SERVICE_DOWN -> "the milter on " + state.getKey() + " no longer answers even from " + allowed + " (" + seen
                    + "); mail filtering may be broken";
            default -> state.getKey() + " went from " + from + " to " + state.getState() + " (" + seen + ")";
        };
    }

    static String firewallSummary(final ExposureState state, final FirewallEvent e, final Zone sourceZone) {
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

    private static String describe(final FirewallEvent e) {
        return e.getFormat() + " " + e.getAction() + " " + e.getProtocol() + " " + e.getSrcIp() + ":" + e.getSrcPort() + " -> " + e.getDstIp()
                + ":" + e.getDstPort();
    }

    private static String zones(final ExposureState state) {
        return String.join("/", state.getAllowedZones().stream().map(Zone::name).toList());
    }
}
