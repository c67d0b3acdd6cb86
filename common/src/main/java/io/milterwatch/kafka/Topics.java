package io.milterwatch.kafka;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Every topic name of the pipeline, declared once. Names are {@code PREFIX.<topic>}; the default
 * prefix is {@code milterwatch}. A different prefix lets several pipelines (or tests) share a cluster.
 */
public record Topics(
        String targets,
        String probeRequests,
        String probeResults,
        String firewallRaw,
        String firewallEvents,
        String exposureState,
        String alertsExposure,
        String alertsRegression,
        String dlq,
        String targetHealth) {

    public static final String DEFAULT_PREFIX = "milterwatch";
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    public Topics {
        for (final String name : List.of(targets, probeRequests, probeResults, firewallRaw, firewallEvents, exposureState,
                alertsExposure, alertsRegression, dlq, targetHealth)) {
            Objects.requireNonNull(name, "topic name");
        }
    }

    public static Topics withPrefix(final String prefix) {
        if (prefix == null || !LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic.prefix: '" + prefix
                    + "' is not a legal Kafka topic prefix (letters, digits, '.', '_', '-'; 1..200 characters)");
        }
        return new Topics(
                prefix + ".targets",
                prefix + ".probe-requests",
                prefix + ".probe-results",
                prefix + ".firewall.raw",
                prefix + ".firewall.events",
                prefix + ".exposure.state",
                prefix + ".alerts.exposure",
                prefix + ".alerts.regression",
                prefix + ".dlq",
                prefix + ".target.health");
    }

    public static Topics defaults() {
        return withPrefix(DEFAULT_PREFIX);
    }

    public List<String> all() {
        return List.of(targets, probeRequests, probeResults, firewallRaw, firewallEvents, exposureState, alertsExposure,
                alertsRegression, dlq, targetHealth);
    }

    /** Topics that hold the latest value per key and must be compacted. */
    public List<String> compacted() {
        return List.of(targets, exposureState, targetHealth);
    }

    /**
     * Topics that grow with every probe and every firewall line, bounded in time by
     * {@code topic.retention.ms} (the others are compacted, or alerts kept as the broker keeps them).
     */
    public List<String> highVolume() {
        return List.of(probeRequests, probeResults, firewallRaw, firewallEvents, dlq);
    }

    public List<String> alerts() {
        return List.of(alertsExposure, alertsRegression);
    }
}
