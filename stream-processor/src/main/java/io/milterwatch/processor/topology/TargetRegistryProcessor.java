package io.milterwatch.processor.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.Target;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target registry and re-probe scheduler. A new or changed target is stored and probed at once
 * ({@code NEW}); a tombstone removes it. A wall-clock punctuator re-requests every target whose
 * interval (plus up to 10% jitter, so that targets spread out) has elapsed ({@code SCHEDULED}).
 *
 * <p>The next-due time per target id is a changelogged store, so a restart keeps the schedule; a
 * time-ordered index of the same entries ({@link ScheduleIndex}), in memory and rebuilt from it
 * when the task starts, is what a tick reads, from where the last tick stopped up to now. A tick
 * costs what is due, not what is registered (one schedule write per target requested); it requests
 * at most {@code maxPerTick} probes and leaves the rest due for the next tick.
 */
final class TargetRegistryProcessor implements Processor<String, Target, String, ProbeRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(TargetRegistryProcessor.class);

    private final Duration tick;
    private final Duration deadline;
    private final int maxPerTick;
    private final ProcessorMetrics metrics;
    private ProcessorContext<String, ProbeRequest> context;
    private KeyValueStore<String, Target> registry;
    private KeyValueStore<String, Long> schedule;
    private KeyValueStore<String, byte[]> index;
    private String taskId;
    /**
     * Where the next tick's range starts: every index entry below it has been requested and removed,
     * and new entries are always due in the future (were the index in RocksDB, its removed entries
     * would stay behind as tombstones until compaction, and a range from the start of time would
     * step over all of them at every tick).
     */
    private String scanFrom = ScheduleIndex.FIRST;

    private final StoreDeadLetters deadLetters;

    TargetRegistryProcessor(final Duration tick, final Duration deadline, final int maxPerTick, final ProcessorMetrics metrics,
            final StoreDeadLetters deadLetters) {
        this.tick = tick;
        this.deadline = deadline;
        this.maxPerTick = maxPerTick;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
    }

    /** The registered target; null when none, or when its stored value could not be decoded (then sent to the DLQ). */
    private Target registered(final String id) {
        final Target target = registry.get(id);
        if (target == null && deadLetters.claim(MilterwatchTopology.REGISTRY_STORE, id, context.taskId().partition())) {
            // Removed at once so that it is sent once; the targets topic still holds what the user wrote.
            registry.delete(id);
            StoreDeadLetters.discardPending();
        }
        return target;
    }

    @Override
    public void init(final ProcessorContext<String, ProbeRequest> context) {
        this.context = context;
        this.taskId = context.taskId().toString();
        this.registry = context.getStateStore(MilterwatchTopology.REGISTRY_STORE);
        this.schedule = context.getStateStore(MilterwatchTopology.SCHEDULE_STORE);
        this.index = context.getStateStore(MilterwatchTopology.SCHEDULE_INDEX_STORE);
        indexSchedule();
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::dueProbes);
    }

    /**
     * The index lives in memory and is not logged: built here from the schedule store (restored
     * from its changelog, or kept by a version before the index existed) when the task starts.
     */
    private void indexSchedule() {
        final long started = System.nanoTime();
        long indexed = 0;
        // Written while the schedule store is read: another store, so no list of a million entries in between.
        try (KeyValueIterator<String, Long> all = schedule.all()) {
            while (all.hasNext()) {
                final KeyValue<String, Long> entry = all.next();
                index.put(ScheduleIndex.key(entry.value, entry.key), ScheduleIndex.PRESENT);
                indexed++;
            }
        }
        if (indexed > 0) {
            LOG.info("task {}: schedule of {} target(s) indexed in {} ms", taskId, indexed, (System.nanoTime() - started) / 1_000_000);
        }
    }

    @Override
    public void close() {
        metrics.scheduleClosed(taskId);
    }

    @Override
    public void process(final Record<String, Target> record) {
        final String id = record.key();
        final Target target = record.value();
        if (target == null) {
            if (registry.delete(id) != null) {
                metrics.targetRemoved();
                LOG.debug("target {} removed", id);
            } else {
                deadLetters.claim(MilterwatchTopology.REGISTRY_STORE, id, context.taskId().partition());
            }
            unschedule(id);
            return;
        }
        final Target known = registered(id);
        if (target.equals(known)) {
            return;
        }
        registry.put(id, target);
        final long now = context.currentSystemTimeMs();
        reschedule(id, nextDue(now, target));
        metrics.targetRegistered(known != null);
        if (LOG.isDebugEnabled()) {
            LOG.debug("target {} {}: probing {} now", id, known == null ? "registered" : "changed", target.getHost());
        }
        context.forward(new Record<>(id, request(target, ProbeReason.NEW, now), now));
    }

    private void unschedule(final String id) {
        final Long due = schedule.delete(id);
        if (due != null) {
            index.delete(ScheduleIndex.key(due, id));
        }
    }

    private void reschedule(final String id, final long due) {
        final Long before = schedule.get(id);
        if (before != null) {
            index.put(ScheduleIndex.key(before, id), null);
        }
        schedule.put(id, due);
        index.put(ScheduleIndex.key(due, id), ScheduleIndex.PRESENT);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** This thread's CPU time in nanoseconds, or -1 when the JVM does not measure it. */
    private static long threadCpu() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    private void dueProbes(final long now) {
        final long started = System.nanoTime();
        final long cpuStarted = threadCpu();
        final List<String> due = new ArrayList<>();
        long overdue = 0;
        // Read first, write after: the store's cache must not change under an open iterator.
        final String upTo = ScheduleIndex.upTo(now);
        if (upTo.compareTo(scanFrom) < 0) {
            // The clock went back: nothing new is due until it passes where the last tick stopped.
            metrics.scheduleTick(taskId, System.nanoTime() - started, cpuSince(cpuStarted), 0, 0);
            return;
        }
        String resume = upTo;
        try (KeyValueIterator<String, byte[]> it = index.range(scanFrom, upTo)) {
            while (it.hasNext()) {
                final String key = it.next().key;
                if (due.size() < maxPerTick) {
                    due.add(key);
                } else {
                    if (overdue == 0) {
                        resume = key;
                    }
                    overdue++;
                    if (overdue >= maxPerTick) {
                        // Counting the whole backlog would cost what the bound saves: "at least" this many.
                        break;
                    }
                }
            }
        }
        if (resume.compareTo(scanFrom) > 0) {
            scanFrom = resume;
        }
        int requested = 0;
        for (final String key : due) {
            final String id = ScheduleIndex.id(key);
            // put(key, null) removes without reading the old value first, as delete() does
            index.put(key, null);
            final Target target = registered(id);
            if (target == null) {
                schedule.delete(id);
                continue;
            }
            final long next = nextDue(now, target);
            schedule.put(id, next);
            index.put(ScheduleIndex.key(next, id), ScheduleIndex.PRESENT);
            context.forward(new Record<>(id, request(target, ProbeReason.SCHEDULED, now), now));
            requested++;
        }
        metrics.scheduleTick(taskId, System.nanoTime() - started, cpuSince(cpuStarted), requested, overdue);
    }

    /**
     * A random (version 4) UUID from the thread's own generator: request ids need to be unique, not
     * unpredictable, and {@link UUID#randomUUID()} takes a lock on a shared SecureRandom per call.
     */
    static String requestId() {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        final long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    private static long cpuSince(final long cpuStarted) {
        return cpuStarted < 0 ? -1 : threadCpu() - cpuStarted;
    }

    private static long nextDue(final long now, final Target target) {
        final long interval = target.getIntervalSeconds() * 1000L;
        return now + interval + ThreadLocalRandom.current().nextLong(interval / 10 + 1);
    }

    private ProbeRequest request(final Target target, final ProbeReason reason, final long now) {
        final long validFor = Math.min(deadline.toMillis(), target.getIntervalSeconds() * 1000L);
        // Set on a new instance, not through a builder: Avro's builder validates and deep-copies every field,
        // a cost paid per scheduled request (3,333 a second at 1,000,000 targets every 300 s).
        final ProbeRequest r = new ProbeRequest();
        r.setRequestId(requestId());
        r.setTargetId(target.getId());
        r.setHost(target.getHost());
        r.setPorts(target.getPorts());
        r.setPortRanges(target.getPortRanges());
        r.setReason(reason);
        r.setAllowedZones(target.getAllowedZones());
        r.setLabels(target.getLabels());
        r.setRequestedAtMs(now);
        r.setDeadlineMs(now + validFor);
        return r;
    }
}
