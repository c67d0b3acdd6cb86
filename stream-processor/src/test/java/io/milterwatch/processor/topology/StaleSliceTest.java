package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.logic.Results;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The staleness check reads the store a slice per check, so that a large store is not read whole every few seconds. */
class StaleSliceTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private final Topics topics = Topics.defaults();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldSplitTheFullPassIntoSlicesOfTheStoreAndNeverReadLessThanTheMinimum() {
        assertThat(ExposureCorrelator.staleSlice(1_000_000, Duration.ofSeconds(10), Duration.ofMinutes(5))).isEqualTo(33_334);
        assertThat(ExposureCorrelator.staleSlice(10, Duration.ofSeconds(10), Duration.ofMinutes(5))).isEqualTo(ExposureCorrelator.MIN_STALE_SLICE);
        assertThat(ExposureCorrelator.staleSlice(1_000_000, Duration.ofSeconds(10), Duration.ofSeconds(10))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldMarkEveryStaleStateOnceWithinOnePassWhileEachCheckReadsOnlyASlice() {
        // given: 2,500 EXPOSED endpoints, a check every 10 s and a full pass every 30 s: at least 1,000 per check, never the whole store
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final ProcessorConfig defaults = ProcessorConfig.defaults(topics, stateDir);
        final ProcessorConfig config = defaults.withScale(new ProcessorConfig.Scale(20_000, Duration.ofSeconds(30), Duration.ZERO));
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, new ProcessorMetrics(registry)), StreamsApp.properties(config), T0);
        final TestInputTopic<String, ProbeResult> results = driver.createInputTopic(topics.probeResults(), Serdes.String().serializer(),
                Records.PROBE_RESULT.serializer());
        final TestOutputTopic<String, Alert> alerts = driver.createOutputTopic(topics.alertsExposure(), Serdes.String().deserializer(),
                Records.ALERT.deserializer());
        final int endpoints = 2500;
        for (int i = 0; i < endpoints; i++) {
            results.pipeInput("192.0." + (2 + i / 250) + "." + (i % 250) + ":8891",
                    Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        }
        assertThat(alerts.readValuesToList()).hasSize(endpoints).allMatch(a -> a.getToState() == Exposure.EXPOSED);

        // when: past the stale time, one check
        driver.advanceWallClockTime(Duration.ofMinutes(31));
        final List<TestRecord<String, Alert>> first = alerts.readRecordsToList();
        // then: one slice, not the whole store
        assertThat(first.size()).isBetween(ExposureCorrelator.MIN_STALE_SLICE, endpoints - 1);
        final double scannedFirst = registry.get(ProcessorMetrics.STALE_SCANNED).counter().count();
        assertThat(scannedFirst).isEqualTo(first.size());

        // when: the following checks of the pass
        final Set<String> stale = new HashSet<>();
        first.forEach(r -> assertThat(stale.add(r.key())).isTrue());
        for (int check = 0; check < 4; check++) {
            driver.advanceWallClockTime(Duration.ofSeconds(10));
            alerts.readRecordsToList().forEach(r -> {
                assertThat(r.value().getToState()).isEqualTo(Exposure.STALE);
                assertThat(stale.add(r.key())).as("%s marked stale once", r.key()).isTrue();
            });
        }
        // then: every endpoint once, and the next pass finds nothing new
        assertThat(stale).hasSize(endpoints);
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(alerts.isEmpty()).isTrue();
    }
}
