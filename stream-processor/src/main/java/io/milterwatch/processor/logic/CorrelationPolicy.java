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
 */
public record CorrelationPolicy(Duration grace, Duration staleAfter, Duration reprobeMinInterval) {

    public static CorrelationPolicy defaults() {
        return new CorrelationPolicy(Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofSeconds(10));
    }
}
