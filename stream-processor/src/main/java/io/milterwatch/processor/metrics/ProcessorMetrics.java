package io.milterwatch.processor.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.ParseStatus;
import io.milterwatch.schema.Exposure;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The stream processor's meters. Counters are resolved once, here, one per format and status and
 * one per alert kind, so that the firewall parse step (about a million lines a second) counts a
 * line with a map lookup of a constant and an add: no tag or map is built per line.
 *
 * <table>
 *   <caption>meters (Prometheus names)</caption>
 *   <tr><td>{@code milterwatch_firewall_lines_total{format,status}}</td><td>firewall lines parsed, by the format they
 *       were recognised as ({@code unknown} when none) and their outcome: EVENT, SKIPPED, INVALID</td></tr>
 *   <tr><td>{@code milterwatch_alerts_total{kind}}</td><td>transitions alerted, by the state entered (EXPOSED,
 *       REMEDIATED, SERVICE_DOWN, REGRESSED, STALE, ...)</td></tr>
 *   <tr><td>{@code milterwatch_endpoints{state}}</td><td>ip:port endpoints in each exposure state, in the
 *       partitions this instance owns (sum over instances); counted from the state store when a task starts,
 *       then kept up to date with each change, so it is right after a restart</td></tr>
 *   <tr><td>{@code kafka_stream_*}, {@code kafka_consumer_*}, {@code kafka_producer_*}, ...</td><td>Kafka Streams'
 *       own client metrics</td></tr>
 * </table>
 *
 * <p>Counters count processing: under exactly_once_v2 records of an aborted transaction are
 * processed (and counted) again, which happens only when a task is fenced or migrated.
 */
public final class ProcessorMetrics {

    public static final String FIREWALL_LINES = "milterwatch.firewall.lines";
    public static final String ALERTS = "milterwatch.alerts";
    public static final String ENDPOINTS = "milterwatch.endpoints";
    public static final String SWEPT_UNANSWERED = "milterwatch.sweep.unanswered";
    public static final String SCHEDULE_TICK = "milterwatch.schedule.tick";
    public static final String SCHEDULE_DUE = "milterwatch.schedule.due";
    public static final String SCHEDULE_CPU = "milterwatch.schedule.cpu";
    public static final String SCHEDULE_OVERDUE = "milterwatch.schedule.overdue";
    public static final String TARGET_CHANGES = "milterwatch.targets.changes";
    public static final String STALE_SCANNED = "milterwatch.stale.scanned";
    /** The format label of lines no format recognised. */
    public static final String UNKNOWN_FORMAT = "unknown";

    /** How often meters of Kafka Streams metrics that appeared later (a new task's) are bound. */
    static final Duration KAFKA_REFRESH = Duration.ofSeconds(15);

    private static final ParseStatus[] STATUSES = ParseStatus.values();
    private static final Exposure[] STATES = Exposure.values();

    private final MeterRegistry registry;
    private final Map<String, Counter[]> linesByFormat;
    private final Counter[] linesOfUnknownFormat;
    private final Counter[] alerts = new Counter[STATES.length];
    private final Counter sweptUnanswered;
    private final Timer scheduleTick;
    private final Counter scheduleDue;
    private final Counter scheduleCpu;
    private final Counter targetsRegistered;
    private final Counter targetsChanged;
    private final Counter targetsRemoved;
    private final Counter staleScanned;
    private final ConcurrentMap<String, AtomicLong> overdueByTask = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicLongArray> endpointsByTask = new ConcurrentHashMap<>();
    private final TargetCounts targets;

    public ProcessorMetrics(final MeterRegistry registry) {
        this.registry = registry;
        this.targets = new TargetCounts(registry);
        final Map<String, Counter[]> byFormat = new HashMap<>();
        for (final String format : FirewallParser.FORMATS) {
            byFormat.put(format, lineCounters(format));
        }
        this.linesByFormat = Map.copyOf(byFormat);
        this.linesOfUnknownFormat = lineCounters(UNKNOWN_FORMAT);
        this.sweptUnanswered = Counter.builder(SWEPT_UNANSWERED)
                .description("CLOSED or FILTERED results of port sweeps for ip:ports without a state: counted here, no state kept")
                .register(registry);
        this.scheduleTick = Timer.builder(SCHEDULE_TICK)
                .description("Time each scheduler tick takes: finding the due targets and requesting their probes").register(registry);
        this.scheduleDue = Counter.builder(SCHEDULE_DUE).description("Scheduled re-probes requested").register(registry);
        this.scheduleCpu = Counter.builder(SCHEDULE_CPU).baseUnit("seconds")
                .description("CPU time of the stream threads in scheduler ticks (the thread's CPU clock: waiting for a core is not counted)")
                .register(registry);
        Gauge.builder(SCHEDULE_OVERDUE, this, ProcessorMetrics::overdue)
                .description("Targets past their due time left for the next tick (more were due than one tick requests)").register(registry);
        this.targetsRegistered = Counter.builder(TARGET_CHANGES).tag("change", "registered")
                .description("Targets registered, changed and removed").register(registry);
        this.targetsChanged = Counter.builder(TARGET_CHANGES).tag("change", "changed")
                .description("Targets registered, changed and removed").register(registry);
        this.targetsRemoved = Counter.builder(TARGET_CHANGES).tag("change", "removed")
                .description("Targets registered, changed and removed").register(registry);
        this.staleScanned = Counter.builder(STALE_SCANNED)
                .description("Exposure states read by the staleness check (a slice of the store per check)").register(registry);
        for (final Exposure state : STATES) {
            alerts[state.ordinal()] = Counter.builder(ALERTS).tag("kind", state.name())
                    .description("Exposure transitions alerted, by the state entered").register(registry);
            Gauge.builder(ENDPOINTS, this, m -> m.endpoints(state)).tag("state", state.name())
                    .description("ip:port endpoints in each exposure state, in this instance's partitions").register(registry);
        }
    }

    /** Meters that no one reads: topology tests and tools that need none. */
    public static ProcessorMetrics unread() {
        return new ProcessorMetrics(new SimpleMeterRegistry());
    }

    private Counter[] lineCounters(final String format) {
        final Counter[] counters = new Counter[STATUSES.length];
        for (final ParseStatus status : STATUSES) {
            counters[status.ordinal()] = Counter.builder(FIREWALL_LINES).tag("format", format).tag("status", status.name())
                    .description("Firewall lines parsed, by format and outcome").register(registry);
        }
        return counters;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** One firewall line parsed; {@code format} null when no format recognised it. */
    public void line(final String format, final ParseStatus status) {
        Counter[] counters = format == null ? null : linesByFormat.get(format);
        if (counters == null) {
            counters = linesOfUnknownFormat;
        }
        counters[status.ordinal()].increment();
    }

    /** One closed or filtered port of a sweep that has no state and gets none. */
    public void sweptUnanswered() {
        sweptUnanswered.increment();
    }

    /** One transition alerted. */
    public void alert(final Exposure entered) {
        alerts[entered.ordinal()].increment();
    }

    /**
     * One scheduler tick of {@code nanos} (wall clock; {@code cpuNanos} of its thread's CPU, negative
     * when the JVM cannot tell) that requested {@code due} probes and left {@code overdue} for later, in {@code taskId}.
     */
    public void scheduleTick(final String taskId, final long nanos, final long cpuNanos, final int due, final long overdue) {
        scheduleTick.record(nanos, TimeUnit.NANOSECONDS);
        if (cpuNanos >= 0) {
            scheduleCpu.increment(cpuNanos / 1e9);
        }
        scheduleDue.increment(due);
        overdueByTask.computeIfAbsent(taskId, t -> new AtomicLong()).set(overdue);
    }

    /** The scheduler of {@code taskId} stopped here. */
    public void scheduleClosed(final String taskId) {
        overdueByTask.remove(taskId);
    }

    private double overdue() {
        return overdueByTask.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** A target was registered (new), changed, or removed ({@code known}: it was registered before). */
    public void targetRegistered(final boolean known) {
        (known ? targetsChanged : targetsRegistered).increment();
    }

    public void targetRemoved() {
        targetsRemoved.increment();
    }

    /** The staleness check read {@code states} stored states. */
    public void staleScanned(final long states) {
        staleScanned.increment(states);
    }

    /**
     * The endpoint counts of one task, which its processor fills from the store at start and keeps
     * up to date; replaces what an earlier instance of the task left.
     */
    public EndpointCounts endpoints(final String taskId) {
        final AtomicLongArray counts = new AtomicLongArray(STATES.length);
        endpointsByTask.put(taskId, counts);
        return new EndpointCounts(taskId, counts);
    }

    /** Endpoints in {@code state} over the tasks this instance runs. */
    public long endpoints(final Exposure state) {
        long sum = 0;
        for (final AtomicLongArray counts : endpointsByTask.values()) {
            sum += counts.get(state.ordinal());
        }
        return sum;
    }

    /** Registered and failing targets, per task of this instance. */
    public TargetCounts targets() {
        return targets;
    }

    /** Per task: written by its stream thread only, read by scrapes. */
    public final class EndpointCounts {
        private final String taskId;
        private final AtomicLongArray counts;

        private EndpointCounts(final String taskId, final AtomicLongArray counts) {
            this.taskId = taskId;
            this.counts = counts;
        }

        /** An endpoint entered {@code to} from {@code from} (null: it is new). */
        public void moved(final Exposure from, final Exposure to) {
            if (from == to) {
                return;
            }
            if (from != null) {
                counts.decrementAndGet(from.ordinal());
            }
            counts.incrementAndGet(to.ordinal());
        }

        /** The task was closed here (revoked, migrated, or the application stopped). */
        public void close() {
            endpointsByTask.remove(taskId, counts);
        }
    }

    /** Binds Kafka Streams' own metrics; closing the result removes them. */
    public Binding bindStreams(final KafkaStreams streams) {
        final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "streams-kafka-metrics");
            t.setDaemon(true);
            return t;
        });
        final KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, List.<Tag>of(), refresh, KAFKA_REFRESH);
        binder.bindTo(registry);
        return () -> {
            refresh.shutdownNow();
            binder.close();
        };
    }

    /** Meters bound to something that goes away. */
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }
}
