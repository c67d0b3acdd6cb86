package io.milterwatch.processor.logic;

import java.time.Duration;

/**
 * Time rules of the correlation.
 *
 * @param grace              firewall events older than the newest one seen for the same ip:port by
 *                           more than this are late: counted, never used for a transition
 * @param staleAfter         no result from a disallowed-zone vantage for this long makes the
 *                           state STALE (the exposure can no longer be vouched for)
 * @param reprobeMinInterval at most one FIREWALL_EVIDENCE probe request per ip:port per interval
 * @param window             size of the tumbling event-time windows firewall counts are kept in
 */
public record CorrelationPolicy(Duration grace, Duration staleAfter, Duration reprobeMinInterval, Duration window) {

    /** Windows kept per ip:port (the newest and the ones still open for late events, at most). */
    public static final int WINDOWS_KEPT = 10;

    public CorrelationPolicy {
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("firewall window " + window.toMillis() + " ms is below 1000 ms");
        }
    }

    public static CorrelationPolicy defaults() {
        return new CorrelationPolicy(Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofSeconds(10), Duration.ofMinutes(1));
    }
}
