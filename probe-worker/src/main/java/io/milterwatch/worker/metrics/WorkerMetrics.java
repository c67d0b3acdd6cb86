package io.milterwatch.worker.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.worker.probe.ProbeEngine;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The probe worker's meters. Every counter and timer is resolved once, here, one per outcome, so
 * that counting a result is an array index and an add: no tag or map is built per probe. Results
 * are counted on the poll loop's thread as they are collected, never on the probe reactor's.
 *
 * <table>
 *   <caption>meters (Prometheus names)</caption>
 *   <tr><td>{@code milterwatch_probes_total{outcome}}</td><td>results of probes of one ip:port, by outcome; ERROR
 *       includes targets refused before any connection (scope, expired request). A batch probed again after its
 *       results could not be written counts again.</td></tr>
 *   <tr><td>{@code milterwatch_probe_duration_seconds{outcome}}</td><td>time from the first connect to the last
 *       byte of a probe, as a histogram with fixed buckets from 1 ms to 30 s</td></tr>
 *   <tr><td>{@code milterwatch_probes_in_flight}, {@code milterwatch_probes_queued}</td><td>probes holding a socket,
 *       and waiting for one (global, per-address or rate limit)</td></tr>
 *   <tr><td>{@code milterwatch_results_published_total}, {@code milterwatch_dlq_records_total}</td><td>records
 *       the broker acknowledged, to the results topic and to the DLQ</td></tr>
 *   <tr><td>{@code milterwatch_batches_failed_total}</td><td>polled batches whose records the broker did not
 *       acknowledge (probed again after a back-off)</td></tr>
 *   <tr><td>{@code kafka_consumer_*}, {@code kafka_producer_*}</td><td>the Kafka clients' own metrics, e.g.
 *       {@code kafka_consumer_fetch_manager_records_lag_max}</td></tr>
 * </table>
 */
public final class WorkerMetrics {

    public static final String PROBES = "milterwatch.probes";
    public static final String PROBE_DURATION = "milterwatch.probe.duration";
    public static final String IN_FLIGHT = "milterwatch.probes.in.flight";
    public static final String QUEUED = "milterwatch.probes.queued";
    public static final String PUBLISHED = "milterwatch.results.published";
    public static final String DEAD_LETTERS = "milterwatch.dlq.records";
    public static final String FAILED_BATCHES = "milterwatch.batches.failed";

    /** How often meters of Kafka client metrics that appeared later (a newly assigned partition's lag) are bound. */
    static final Duration KAFKA_REFRESH = Duration.ofSeconds(15);

    /** Probe times span 1 ms (loopback) to the connect timeout plus three reply timeouts. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final MeterRegistry registry;
    private final Counter[] probes = new Counter[OUTCOMES.length];
    private final Timer[] durations = new Timer[OUTCOMES.length];
    private final Counter published;
    private final Counter deadLetters;
    private final Counter failedBatches;
    private volatile ProbeEngine engine;

    public WorkerMetrics(final MeterRegistry registry) {
        this.registry = registry;
        for (final Outcome o : OUTCOMES) {
            probes[o.ordinal()] = Counter.builder(PROBES).tag("outcome", o.name())
                    .description("Results of probes of one ip:port, by outcome").register(registry);
            durations[o.ordinal()] = Timer.builder(PROBE_DURATION).tag("outcome", o.name())
                    .description("Time a probe of one ip:port took, all its connections").serviceLevelObjectives(BUCKETS)
                    .register(registry);
        }
        published = Counter.builder(PUBLISHED).description("Probe results acknowledged by the broker").register(registry);
        deadLetters = Counter.builder(DEAD_LETTERS).description("Unreadable probe requests written to the DLQ and acknowledged")
                .register(registry);
        failedBatches = Counter.builder(FAILED_BATCHES).description("Batches whose records the broker did not acknowledge")
                .register(registry);
        Gauge.builder(IN_FLIGHT, this, m -> m.engineValue(true)).description("Probes holding a socket").register(registry);
        Gauge.builder(QUEUED, this, m -> m.engineValue(false)).description("Probes waiting for a slot").register(registry);
    }

    private double engineValue(final boolean inFlight) {
        final ProbeEngine e = engine;
        if (e == null) {
            return 0;
        }
        return inFlight ? e.inFlight() : e.queued();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The engine whose in-flight and queued probes the gauges show; null when there is none (0). */
    public void engine(final ProbeEngine current) {
        this.engine = current;
    }

    /** One result, counted when its probe ends (on the worker's publishing thread). */
    public void probed(final ProbeResult result) {
        final int i = result.getOutcome().ordinal();
        probes[i].increment();
        durations[i].record(result.getTotalMs(), TimeUnit.MILLISECONDS);
    }

    /** The records one request produced (results, DLQ records) were acknowledged. */
    public void acknowledged(final int results, final int deadLettered) {
        published.increment(results);
        deadLetters.increment(deadLettered);
    }

    public void batchFailed() {
        failedBatches.increment();
    }

    /** Meters bound to something that goes away; closing removes them. */
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Binds the Kafka clients' own metrics (lag, fetch and send rates, request latencies); closing
     * the result removes those meters and stops their refresh.
     */
    public Binding bindKafkaClients(final Consumer<?, ?> consumer, final Producer<?, ?> producer) {
        final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "worker-kafka-metrics");
            t.setDaemon(true);
            return t;
        });
        final KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer, List.<Tag>of(), refresh, KAFKA_REFRESH);
        final KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer, List.<Tag>of(), refresh, KAFKA_REFRESH);
        consumerMetrics.bindTo(registry);
        producerMetrics.bindTo(registry);
        return () -> {
            refresh.shutdownNow();
            consumerMetrics.close();
            producerMetrics.close();
        };
    }
}
