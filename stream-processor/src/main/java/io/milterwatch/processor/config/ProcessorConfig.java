package io.milterwatch.processor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.ConfigException;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.logic.CorrelationPolicy;
import io.milterwatch.processor.logic.NetworkClassifier;

/** The stream processor's configuration, validated once at start-up. */
public record ProcessorConfig(
        String bootstrapServers,
        Topics topics,
        String applicationId,
        Path stateDir,
        Duration scheduleTick,
        Duration requestDeadline,
        long commitIntervalMs,
        int threads,
        NetworkClassifier classifier,
        CorrelationPolicy policy,
        Duration staleCheck,
        String httpHost,
        int httpPort,
        String httpAdvertised,
        Map<String, Object> kafkaOverrides) {

    public static ProcessorConfig from(final Settings s) {
        final NetworkClassifier classifier;
        try {
            classifier = NetworkClassifier.of(s.string(ProcessorSettings.INTERNAL_NETWORKS.name()));
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(ProcessorSettings.INTERNAL_NETWORKS.name(), e.getMessage());
        }
        final String host = s.string(ProcessorSettings.HTTP_HOST.name());
        final int port = s.intIn(ProcessorSettings.HTTP_PORT.name(), 0, 65535);
        final String advertised = s.stringOrNull(ProcessorSettings.HTTP_ADVERTISED.name());
        return new ProcessorConfig(
                s.string(CommonSettings.BOOTSTRAP_SERVERS.name()),
                Topics.withPrefix(s.string(CommonSettings.TOPIC_PREFIX.name())),
                s.string(ProcessorSettings.APPLICATION_ID.name()),
                Path.of(s.string(ProcessorSettings.STATE_DIR.name())),
                Duration.ofMillis(s.longIn(ProcessorSettings.SCHEDULE_TICK_MS.name(), 10, 3_600_000)),
                Duration.ofMillis(s.longIn(ProcessorSettings.REQUEST_DEADLINE_MS.name(), 1000, 86_400_000)),
                s.longIn(ProcessorSettings.COMMIT_INTERVAL_MS.name(), 1, 600_000),
                s.intIn(ProcessorSettings.THREADS.name(), 1, 64),
                classifier,
                new CorrelationPolicy(
                        Duration.ofMillis(s.longIn(ProcessorSettings.FIREWALL_GRACE_MS.name(), 0, 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.STALE_AFTER_MS.name(), 1000, 30L * 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.REPROBE_MIN_INTERVAL_MS.name(), 0, 86_400_000))),
                Duration.ofMillis(s.longIn(ProcessorSettings.STALE_CHECK_MS.name(), 10, 3_600_000)),
                host,
                port,
                advertised == null ? host + ":" + port : advertised,
                s.kafkaOverrides());
    }

    /** Defaults with the given topics and state directory: for topology descriptions and tests. */
    public static ProcessorConfig defaults(final Topics topics, final Path stateDir) {
        return new ProcessorConfig("localhost:9092", topics, "milterwatch-processor", stateDir, Duration.ofSeconds(1),
                Duration.ofMinutes(10), 100, 1, NetworkClassifier.of(NetworkClassifier.DEFAULT_INTERNAL), CorrelationPolicy.defaults(),
                Duration.ofSeconds(10), "127.0.0.1", 0, "127.0.0.1:0", Map.of());
    }

    public static ProcessorConfig defaults(final Topics topics) {
        return defaults(topics, Path.of("milterwatch-data/streams"));
    }
}
