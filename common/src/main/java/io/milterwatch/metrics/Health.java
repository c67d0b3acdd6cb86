package io.milterwatch.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of a liveness or readiness check: up or not, a one-word status and the facts it was
 * decided on. Served as JSON with 200 (up) or 503 (down), so that a probe that reads only the
 * status code and a person who reads the body both get what they need.
 *
 * @param up      whether the check passes
 * @param reason  why, in a word or a short phrase ({@code RUNNING}, {@code no partitions assigned})
 * @param details the facts, in order (numbers, strings, booleans)
 */
public record Health(boolean up, String reason, Map<String, Object> details) {

    public Health {
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Health up(final String reason, final Map<String, Object> details) {
        return new Health(true, reason, details);
    }

    public static Health down(final String reason, final Map<String, Object> details) {
        return new Health(false, reason, details);
    }
}
