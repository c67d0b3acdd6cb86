package io.milterwatch.processor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;

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
        Map<String, Object> kafkaOverrides) {

    public static ProcessorConfig from(final Settings s) {
        return new ProcessorConfig(
                s.string(CommonSettings.BOOTSTRAP_SERVERS.name()),
                Topics.withPrefix(s.string(CommonSettings.TOPIC_PREFIX.name())),
                s.string(ProcessorSettings.APPLICATION_ID.name()),
                Path.of(s.string(ProcessorSettings.STATE_DIR.name())),
                Duration.ofMillis(s.longIn(ProcessorSettings.SCHEDULE_TICK_MS.name(), 10, 3_600_000)),
                Duration.ofMillis(s.longIn(ProcessorSettings.REQUEST_DEADLINE_MS.name(), 1000, 86_400_000)),
                s.longIn(ProcessorSettings.COMMIT_INTERVAL_MS.name(), 1, 600_000),
                s.intIn(ProcessorSettings.THREADS.name(), 1, 64),
                s.kafkaOverrides());
    }

    /** Defaults with the given topics: for topology descriptions and tests. */
    public static ProcessorConfig defaults(final Topics topics) {
        return new ProcessorConfig("localhost:9092", topics, "milterwatch-processor", Path.of("milterwatch-data/streams"),
                Duration.ofSeconds(1), Duration.ofMinutes(10), 100, 1, Map.of());
    }
}
