package io.milterwatch.processor.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLongArray;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Registered targets and failing targets (their latest probe could not reach any address), per task
 * of this instance: counted from the health store when a task starts, then kept with each change by
 * the task's stream thread, so that {@code /api/summary} and a scrape read counters, never a store.
 *
 * <table>
 *   <caption>meters (Prometheus names)</caption>
 *   <tr><td>{@code milterwatch_targets}</td><td>registered targets in the partitions this instance owns</td></tr>
 *   <tr><td>{@code milterwatch_targets_failing}</td><td>of those, targets whose latest probe failed</td></tr>
 * </table>
 */
public final class TargetCounts {

    public static final String TARGETS = "milterwatch.targets";
    public static final String FAILING = "milterwatch.targets.failing";
    private static final int ALL = 0;
    private static final int FAILING_INDEX = 1;

    private final ConcurrentMap<String, AtomicLongArray> byTask = new ConcurrentHashMap<>();

    TargetCounts(final MeterRegistry registry) {
        Gauge.builder(TARGETS, this, TargetCounts::targets).description("Registered targets in the partitions this instance owns")
                .register(registry);
        Gauge.builder(FAILING, this, TargetCounts::failing)
                .description("Registered targets whose latest probe could not reach any address, in the partitions this instance owns")
                .register(registry);
    }

    /** The counts of one task, from zero; {@link Task#close} removes them. */
    public Task task(final String taskId) {
        final AtomicLongArray counts = new AtomicLongArray(2);
        byTask.put(taskId, counts);
        return new Task(taskId, counts);
    }

    public long targets() {
        return sum(ALL);
    }

    public long failing() {
        return sum(FAILING_INDEX);
    }

    private long sum(final int index) {
        long sum = 0;
        for (final AtomicLongArray counts : byTask.values()) {
            sum += counts.get(index);
        }
        return sum;
    }

    /** Per task: written by its stream thread only. */
    public final class Task {
        private final String taskId;
        private final AtomicLongArray counts;

        private Task(final String taskId, final AtomicLongArray counts) {
            this.taskId = taskId;
            this.counts = counts;
        }

        /** A target appeared (+1) or went (-1). */
        public void targets(final int delta) {
            counts.addAndGet(ALL, delta);
        }

        /** A target started (+1) or stopped (-1) failing. */
        public void failing(final int delta) {
            counts.addAndGet(FAILING_INDEX, delta);
        }

        public void close() {
            byTask.remove(taskId, counts);
        }
    }
}
