package io.milterwatch.worker.consume;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.milterwatch.metrics.Health;

/**
 * The worker's {@code /health} answers, from facts the poll loop reports. Liveness fails when the
 * loop stopped on an error or has not come back (from a poll or a back-off) for the consumer's
 * {@code max.poll.interval.ms}, after which the group would have dropped it anyway; readiness
 * passes while the loop polls, has partitions assigned and its last results were acknowledged.
 */
final class WorkerHealth {

    private final String vantage;
    private final String requestsTopic;
    private final long stuckAfterMs;
    private final LongSupplier nanoClock;
    private final LongSupplier probed;
    private volatile boolean running;
    private volatile boolean stopped;
    private volatile boolean closing;
    private volatile boolean polledOnce;
    private volatile long lastActivityNanos;
    private volatile int assignedPartitions;
    private volatile int failedBatches;
    private volatile String failure;

    WorkerHealth(final String vantage, final String requestsTopic, final long stuckAfterMs, final LongSupplier nanoClock,
            final LongSupplier probed) {
        this.vantage = vantage;
        this.requestsTopic = requestsTopic;
        this.stuckAfterMs = stuckAfterMs;
        this.nanoClock = nanoClock;
        this.probed = probed;
    }

    void started() {
        lastActivityNanos = nanoClock.getAsLong();
        running = true;
    }

    /** The loop came back: from a poll (with the partitions then assigned), or -1 partitions for a back-off. */
    void active(final int assigned) {
        lastActivityNanos = nanoClock.getAsLong();
        if (assigned >= 0) {
            polledOnce = true;
            assignedPartitions = assigned;
        }
    }

    void failedBatches(final int count) {
        failedBatches = count;
    }

    void failed(final String why) {
        failure = why;
    }

    void closing() {
        closing = true;
    }

    void stopped() {
        running = false;
        stopped = true;
    }

    Health liveness() {
        final Map<String, Object> facts = facts();
        if (failure != null) {
            return Health.down("stopped on an error: " + failure, facts);
        }
        if (stopped) {
            return Health.down("stopped", facts);
        }
        if (!running) {
            return Health.up("starting", facts);
        }
        final long idle = idleMs();
        if (idle > stuckAfterMs) {
            return Health.down("poll loop has not come back for " + idle + " ms (more than max.poll.interval.ms " + stuckAfterMs + ")", facts);
        }
        return Health.up("polling", facts);
    }

    Health readiness() {
        final Map<String, Object> facts = facts();
        if (closing) {
            return Health.down(stopped ? "stopped" : "closing", facts);
        }
        if (!running) {
            return Health.down(failure != null ? "stopped on an error: " + failure : "not running yet", facts);
        }
        if (!polledOnce) {
            return Health.down("not polled yet", facts);
        }
        if (idleMs() > stuckAfterMs) {
            return Health.down("poll loop has not come back for " + idleMs() + " ms", facts);
        }
        if (failedBatches > 0) {
            return Health.down("results of the last batch were not acknowledged; backing off", facts);
        }
        if (assignedPartitions == 0) {
            return Health.down("no partitions of " + requestsTopic + " assigned", facts);
        }
        return Health.up("consuming", facts);
    }

    private long idleMs() {
        return TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - lastActivityNanos);
    }

    private Map<String, Object> facts() {
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("vantage", vantage);
        facts.put("assignedPartitions", assignedPartitions);
        facts.put("idleMs", running ? idleMs() : null);
        facts.put("failedBatches", failedBatches);
        facts.put("probed", probed.getAsLong());
        return facts;
    }
}
