package io.milterwatch.processor.logic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.FirewallWindow;

/**
 * The firewall bookkeeping of one ip:port: the running counts by side (allowed or disallowed
 * zone) and action, the tumbling event-time windows they are also kept in, the last few lines
 * from disallowed zones (quoted in alerts), and the late-event rule. No transitions: those are
 * {@link ExposureTransitions#onAllowedFromDisallowed}.
 */
public final class FirewallWindows {

    static final int MAX_LINES = 5;
    static final int MAX_LINE_CHARS = 512;

    private FirewallWindows() {
    }

    /** Late: older than the newest event seen for the ip:port by more than the grace period. Counted, never used. */
    public static boolean late(final ExposureState previous, final long t, final CorrelationPolicy policy) {
        return previous.getLastFirewallEventMs() > 0 && t < previous.getLastFirewallEventMs() - policy.grace().toMillis();
    }

    /** Counts a late event on {@code b}. */
    public static void countLate(final ExposureState.Builder b, final ExposureState previous) {
        b.setLateFirewallEvents(previous.getLateFirewallEvents() + 1);
    }

    /**
     * Counts an event that is not late on {@code b}: its side's counters, its window, the disallowed
     * side's recent lines, and the newest event time.
     */
    public static void count(final ExposureState.Builder b, final ExposureState previous, final FirewallEvent event,
            final boolean fromAllowed, final CorrelationPolicy policy) {
        final long t = event.getTimestampMs();
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
        if (allowedTraffic || blockedTraffic) {
            b.setFirewallWindows(window(previous.getFirewallWindows(), t, fromAllowed, allowedTraffic, policy));
        }
        b.setLastFirewallEventMs(Math.max(t, previous.getLastFirewallEventMs()));
        b.setLastSeenMs(Math.max(t, previous.getLastSeenMs()));
    }

    /**
     * Adds the event to its tumbling window. Windows close for good once the newest event time is
     * past their end plus the grace period (the late check refuses anything older); closed windows
     * are kept as history up to {@link CorrelationPolicy#WINDOWS_KEPT}.
     */
    static List<FirewallWindow> window(final List<FirewallWindow> windows, final long t, final boolean fromAllowed,
            final boolean allowedTraffic, final CorrelationPolicy policy) {
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
            out.sort(Comparator.comparingLong(FirewallWindow::getStartMs));
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

    /** A log line cut to {@link #MAX_LINE_CHARS}, as stored and quoted. */
    static String bound(final String line) {
        return line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + "...";
    }
}
