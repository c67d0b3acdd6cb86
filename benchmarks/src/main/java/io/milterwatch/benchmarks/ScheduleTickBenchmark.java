package io.milterwatch.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Target;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one scheduler tick costs with {@code targets} registered at a {@code interval}-second
 * re-probe interval, spread evenly over the interval as a running estate is: the real topology
 * and its RocksDB stores (Kafka's TopologyTestDriver, one task, no broker), each benchmark call one
 * tick of 1 s of wall-clock time, which requests the targets due in that second (about
 * targets / interval) and serialises the requests. The processor's default tick is 1 s, so the mean
 * time per call divided by 1 s is the share of a core the scheduler takes.
 *
 * <p>{@code java -Xmx4g -jar benchmarks/target/benchmarks.jar ScheduleTickBenchmark -p targets=1000000}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.milterwatch.schema"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class ScheduleTickBenchmark {

    @Param({"100000", "1000000"})
    public int targets;

    @Param("300")
    public int interval;

    private Path stateDir;
    private TopologyTestDriver driver;
    private TestOutputTopic<String, ?> requests;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Setup(Level.Trial)
    public void register() throws Exception {
        stateDir = Files.createTempDirectory("schedule-bench");
        final Topics topics = Topics.defaults();
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir);
        final Instant t0 = Instant.parse("2026-12-02T00:00:00Z");
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, new ProcessorMetrics(registry)), StreamsApp.properties(config), t0);
        final TestInputTopic<String, Target> input = driver.createInputTopic(topics.targets(), Serdes.String().serializer(),
                Records.TARGET.serializer());
        requests = driver.createOutputTopic(topics.probeRequests(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        // Registered over one interval, as an estate that has run for a while is spread: targets / interval per second.
        final int perSecond = Math.max(1, targets / interval);
        final long started = System.nanoTime();
        for (int i = 0; i < targets; i++) {
            final String host = "127." + ((i >> 16) & 0xff) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
            final String id = host + ":2525";
            input.pipeInput(id, Target.newBuilder().setId(id).setHost(host).setPorts(List.of(2525)).setIntervalSeconds(interval)
                    .setCreatedAtMs(t0.toEpochMilli()).build());
            if ((i + 1) % perSecond == 0) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                requests.readRecordsToList();
            }
        }
        // Past the first interval and its jitter: from here every second has its share of due targets.
        for (int s = 0; s < interval / 10 + 2; s++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            requests.readRecordsToList();
        }
        System.out.printf("%nregistered %,d targets in %.1f s%n", targets, (System.nanoTime() - started) / 1e9);
    }

    @Benchmark
    public int tick() {
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        return requests.readRecordsToList().size();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        final var due = registry.find(ProcessorMetrics.SCHEDULE_DUE).counter();
        final var tick = registry.find(ProcessorMetrics.SCHEDULE_TICK).timer();
        if (due != null && tick != null) {
            System.out.printf("%nscheduler: %,d ticks, %,.0f re-probes requested, %.2f ms per tick on average (the punctuator alone)%n",
                    tick.count(), due.count(), tick.mean(TimeUnit.MILLISECONDS));
        }
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
