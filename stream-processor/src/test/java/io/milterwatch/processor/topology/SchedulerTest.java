package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.Target;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The re-probe scheduler over its time-ordered index: what is due is requested, once, and a tick reads only that. */
class SchedulerTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private final Topics topics = Topics.defaults();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, Target> targets;
    private TestOutputTopic<String, ProbeRequest> requests;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private void start(final int perTick) {
        final ProcessorConfig defaults = ProcessorConfig.defaults(topics, stateDir);
        final ProcessorConfig config = defaults.withScale(new ProcessorConfig.Scale(perTick, Duration.ofMinutes(5), Duration.ZERO));
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, new ProcessorMetrics(registry)), StreamsApp.properties(config), T0);
        targets = driver.createInputTopic(topics.targets(), Serdes.String().serializer(), Records.TARGET.serializer());
        requests = driver.createOutputTopic(topics.probeRequests(), Serdes.String().deserializer(), Records.PROBE_REQUEST.deserializer());
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    private static Target target(final String id, final int interval) {
        return Target.newBuilder().setId(id).setHost("127.0.0.1").setPorts(List.of(8891)).setIntervalSeconds(interval).build();
    }

    private List<KeyValue<String, byte[]>> index() {
        final KeyValueStore<String, byte[]> store = driver.getKeyValueStore(MilterwatchTopology.SCHEDULE_INDEX_STORE);
        final List<KeyValue<String, byte[]>> all = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(all::add);
        }
        return all;
    }

    private Map<String, Integer> scheduledPerTarget() {
        final Map<String, Integer> counts = new HashMap<>();
        for (final var r : requests.readRecordsToList()) {
            if (r.value().getReason() == ProbeReason.SCHEDULED) {
                counts.merge(r.key(), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void shouldRequestEachTargetWhenItsIntervalHasPassedAndNoOtherWhenTargetsHaveDifferentIntervals() {
        start(20_000);
        for (int i = 0; i < 50; i++) {
            targets.pipeInput("fast-" + i, target("fast-" + i, 10), T0);
            targets.pipeInput("slow-" + i, target("slow-" + i, 1000), T0);
        }
        assertThat(requests.readRecordsToList()).hasSize(100).allMatch(r -> r.value().getReason() == ProbeReason.NEW);

        // when: 11 s pass (interval 10 s plus at most 10 % jitter), one tick at a time
        for (int s = 0; s < 11; s++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }

        // then: each fast target once, no slow one
        final Map<String, Integer> scheduled = scheduledPerTarget();
        assertThat(scheduled).hasSize(50).allSatisfy((id, n) -> {
            assertThat(id).startsWith("fast-");
            assertThat(n).isEqualTo(1);
        });
        // and: the index holds one entry per target, each at its next due time
        assertThat(index()).hasSize(100);
        final KeyValueStore<String, Long> schedule = driver.getKeyValueStore(MilterwatchTopology.SCHEDULE_STORE);
        for (final KeyValue<String, byte[]> entry : index()) {
            assertThat(schedule.get(ScheduleIndex.id(entry.key))).isEqualTo(ScheduleIndex.dueMs(entry.key));
        }
    }

    @Test
    void shouldRequestAtMostTheLimitPerTickAndTheRestAtTheNextTicksWhenMoreAreDue() {
        start(10);
        for (int i = 0; i < 25; i++) {
            targets.pipeInput("t-" + i, target("t-" + i, 60), T0);
        }
        requests.readRecordsToList();
        // when: past every due time at once
        driver.advanceWallClockTime(Duration.ofSeconds(70));
        // then: ten now, ten at the next tick, five at the one after
        assertThat(scheduledPerTarget().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_OVERDUE).gauge().value()).isEqualTo(10.0);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(scheduledPerTarget().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_OVERDUE).gauge().value()).isEqualTo(5.0);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        final Map<String, Integer> last = scheduledPerTarget();
        assertThat(last.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_OVERDUE).gauge().value()).isZero();
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_DUE).counter().count()).isEqualTo(25.0);
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_TICK).timer().count()).isGreaterThanOrEqualTo(3);
        assertThat(registry.get(ProcessorMetrics.SCHEDULE_CPU).counter().count()).as("CPU seconds of the ticks").isPositive();
        // and: nothing is due any more
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    void shouldKeepOneIndexEntryPerTargetWhenItChangesAndNoneWhenItIsRemoved() {
        start(20_000);
        targets.pipeInput("mx", target("mx", 60), T0);
        targets.pipeInput("mx", target("mx", 3600), T0.plusSeconds(1));
        assertThat(index()).hasSize(1);
        final long due = ScheduleIndex.dueMs(index().get(0).key);
        assertThat(due).isBetween(T0.toEpochMilli() + 3_600_000, T0.toEpochMilli() + 3_960_000);
        // when: the first interval passes, the changed target is not due
        requests.readRecordsToList();
        driver.advanceWallClockTime(Duration.ofSeconds(70));
        assertThat(requests.isEmpty()).isTrue();
        // when: removed
        targets.pipeInput("mx", (Target) null, T0.plusSeconds(80));
        // then
        assertThat(index()).isEmpty();
        final KeyValueStore<String, Long> schedule = driver.getKeyValueStore(MilterwatchTopology.SCHEDULE_STORE);
        assertThat(schedule.get("mx")).isNull();
        driver.advanceWallClockTime(Duration.ofHours(2));
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    void shouldLogNoLinePerTargetAtInfoWhileTargetsAreRegisteredProbedAndRemoved() {
        final ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        root.addAppender(lines);
        try {
            start(20_000);
            for (int i = 0; i < 200; i++) {
                targets.pipeInput("t-" + i, target("t-" + i, 10), T0);
            }
            for (int s = 0; s < 30; s++) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            for (int i = 0; i < 200; i++) {
                targets.pipeInput("t-" + i, (Target) null, T0.plusSeconds(31));
            }
        } finally {
            root.detachAppender(lines);
        }
        assertThat(scheduledPerTarget()).hasSize(200);
        assertThat(lines.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
                .filteredOn(e -> e.getLoggerName().startsWith("io.milterwatch"))
                .as("INFO lines of milterwatch while 200 targets came, were probed three times each and went").isEmpty();
    }

    @Test
    void shouldOrderIndexKeysByDueTimeWhateverTheTargetId() {
        final List<String> keys = new ArrayList<>(List.of(ScheduleIndex.key(1_000_000_000_000L, "zzz"), ScheduleIndex.key(999_999_999_999L, "~~~"),
                ScheduleIndex.key(1_000_000_000_001L, "aaa"), ScheduleIndex.key(0, "0")));
        keys.sort((a, b) -> java.util.Arrays.compare(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(keys).extracting(ScheduleIndex::dueMs).containsExactly(0L, 999_999_999_999L, 1_000_000_000_000L, 1_000_000_000_001L);
        assertThat(keys).extracting(ScheduleIndex::id).containsExactly("0", "~~~", "zzz", "aaa");
        // the bound of "due by 1,000,000,000,000" sorts after every key of that millisecond and before the next
        final byte[] bound = ScheduleIndex.upTo(1_000_000_000_000L).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(java.util.Arrays.compare(ScheduleIndex.key(1_000_000_000_000L, "\uffff").getBytes(java.nio.charset.StandardCharsets.UTF_8), bound))
                .isNegative();
        assertThat(java.util.Arrays.compare(ScheduleIndex.key(1_000_000_000_001L, "a").getBytes(java.nio.charset.StandardCharsets.UTF_8), bound))
                .isPositive();
    }
}
