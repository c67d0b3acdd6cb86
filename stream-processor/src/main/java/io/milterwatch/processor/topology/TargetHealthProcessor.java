package io.milterwatch.processor.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.metrics.TargetCounts;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the health of every registered target, keyed by target id in the task that owns the target
 * (its partition of the targets topic): a {@link TargetHealth} per target in
 * {@link MilterwatchTopology#TARGET_HEALTH_STORE}, and a copy of each failing one in
 * {@link MilterwatchTopology#FAILING_TARGETS_STORE}, so that listing failing targets reads only
 * them. Both stores are changelogged. Every change is forwarded (key: target id; a removed target
 * as a tombstone) to the compacted target.health topic.
 *
 * <p>A request counts as working when any of its results reached an address: an ERROR result of
 * the request the health already holds as working does not make the target failing; an
 * observation older than the one held, from another request, is ignored (late). Observations for
 * a target id that is not registered (removed since) are dropped. The registry store (of the same
 * task) is read only for targets registered before this processor existed: at the task's first
 * punctuation each of them gets a health, and an observation that comes earlier creates it.
 */
final class TargetHealthProcessor implements Processor<String, HealthInput, String, TargetHealth> {

    private static final Logger LOG = LoggerFactory.getLogger(TargetHealthProcessor.class);

    private final TargetCounts counts;
    private final StoreDeadLetters deadLetters;
    private TargetCounts.Task task;
    private ProcessorContext<String, TargetHealth> context;
    private KeyValueStore<String, TargetHealth> health;
    private KeyValueStore<String, TargetHealth> failing;
    private KeyValueStore<String, Target> registry;
    private Cancellable backfilling;

    TargetHealthProcessor(final TargetCounts counts, final StoreDeadLetters deadLetters) {
        this.counts = counts;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(final ProcessorContext<String, TargetHealth> context) {
        this.context = context;
        this.health = context.getStateStore(MilterwatchTopology.TARGET_HEALTH_STORE);
        this.failing = context.getStateStore(MilterwatchTopology.FAILING_TARGETS_STORE);
        this.registry = context.getStateStore(MilterwatchTopology.REGISTRY_STORE);
        this.task = counts.task(context.taskId().toString());
        // Restored before init: counted once here, then kept with each change.
        try (KeyValueIterator<String, TargetHealth> all = health.all()) {
            while (all.hasNext()) {
                final KeyValue<String, TargetHealth> next = all.next();
                if (next.value == null) {
                    // Undecodable: claimed (sent to the DLQ) when its key is next read, then rebuilt from the next input.
                    StoreDeadLetters.discardPending();
                    continue;
                }
                task.targets(1);
                if (next.value.getError() != null) {
                    task.failing(1);
                }
            }
        }
        // Targets registered before this store existed (an upgrade) have no health yet: given one at the first punctuation.
        backfilling = context.schedule(Duration.ofMillis(1), PunctuationType.WALL_CLOCK_TIME, this::backfill);
    }

    /**
     * Gives every registered target without a health one (targets registered by a version before
     * target health: their records on the targets topic were read before this processor existed).
     * Walks the registry and the health store side by side in key order, once per task start.
     */
    private void backfill(final long now) {
        backfilling.cancel();
        final List<Target> missing = new ArrayList<>();
        try (KeyValueIterator<String, Target> targets = registry.all(); KeyValueIterator<String, TargetHealth> healths = health.all()) {
            String healthKey = healths.hasNext() ? healths.next().key : null;
            while (targets.hasNext()) {
                final KeyValue<String, Target> t = targets.next();
                while (healthKey != null && healthKey.compareTo(t.key) < 0) {
                    healthKey = healths.hasNext() ? healths.next().key : null;
                }
                if (t.value == null) {
                    StoreDeadLetters.discardPending();
                } else if (!t.key.equals(healthKey)) {
                    missing.add(t.value);
                }
            }
        }
        StoreDeadLetters.discardPending();
        for (final Target t : missing) {
            final TargetHealth h = TargetHealth.newBuilder().setTargetId(t.getId()).setHost(t.getHost()).build();
            health.put(t.getId(), h);
            task.targets(1);
            context.forward(new Record<>(t.getId(), h, now));
        }
        if (!missing.isEmpty()) {
            LOG.info("target health: {} registered target(s) without a health (registered before it was kept) now have one", missing.size());
        }
    }

    @Override
    public void close() {
        if (task != null) {
            task.close();
        }
    }

    @Override
    public void process(final Record<String, HealthInput> record) {
        final String id = record.key();
        if (id == null) {
            return;
        }
        TargetHealth held = held(id);
        final TargetHealth next;
        if (record.value() instanceof HealthInput.Removed) {
            if (held == null) {
                return;
            }
            health.delete(id);
            failing.delete(id);
            task.targets(-1);
            if (held.getError() != null) {
                task.failing(-1);
            }
            context.forward(new Record<String, TargetHealth>(id, null, record.timestamp()));
            return;
        } else if (record.value() instanceof HealthInput.Registered registered) {
            if (held != null && held.getHost().equals(registered.target().getHost())) {
                return;
            }
            next = held == null
                    ? TargetHealth.newBuilder().setTargetId(id).setHost(registered.target().getHost()).build()
                    : TargetHealth.newBuilder(held).setHost(registered.target().getHost()).build();
        } else if (record.value() instanceof HealthInput.Observed observed) {
            if (held == null) {
                held = registeredBefore(id);
                if (held == null) {
                    LOG.debug("health of {} dropped: the target is not registered", id);
                    return;
                }
            }
            next = apply(held, observed.observation());
            if (next == null) {
                return;
            }
        } else {
            throw new IllegalStateException("unknown health input " + record.value());
        }
        if (health.get(id) == null) {
            StoreDeadLetters.discardPending();
            task.targets(1);
        }
        health.put(id, next);
        final boolean was = held != null && held.getError() != null;
        final boolean is = next.getError() != null;
        if (is) {
            failing.put(id, next);
        } else if (was) {
            failing.delete(id);
        }
        if (was != is) {
            task.failing(is ? 1 : -1);
            LOG.debug("target {} {}", id, is ? "failing: " + next.getError() : "works again");
        }
        context.forward(new Record<>(id, next, record.timestamp()));
    }

    /** A fresh health for a target the registry holds but this store does not yet (before the backfill ran); null when not registered. */
    private TargetHealth registeredBefore(final String id) {
        final Target target = registry.get(id);
        if (target == null) {
            StoreDeadLetters.discardPending();
            return null;
        }
        return TargetHealth.newBuilder().setTargetId(id).setHost(target.getHost()).build();
    }

    /** The health held for {@code id}; an undecodable one is sent to the DLQ and reads as none. */
    private TargetHealth held(final String id) {
        final TargetHealth held = health.get(id);
        if (held == null && deadLetters.claim(MilterwatchTopology.TARGET_HEALTH_STORE, id, context.taskId().partition())) {
            health.delete(id);
            failing.delete(id);
        }
        return held;
    }

    /** The health after {@code seen}; null when it changes nothing (late, or an error of a request that worked). */
    static TargetHealth apply(final TargetHealth held, final TargetHealth seen) {
        final boolean sameRequest = Objects.equals(held.getRequestId(), seen.getRequestId());
        final Long heldAt = held.getLastProbedAtMs();
        final long seenAt = seen.getLastProbedAtMs() == null ? 0 : seen.getLastProbedAtMs();
        if (!sameRequest && heldAt != null && seenAt < heldAt) {
            return null;
        }
        final TargetHealth.Builder next = TargetHealth.newBuilder(held)
                .setLastProbedAtMs(heldAt == null ? seenAt : Math.max(heldAt, seenAt))
                .setRequestId(seen.getRequestId())
                .setVantage(seen.getVantage());
        if (seen.getError() == null) {
            return next.setError(null).setFailingSinceMs(null).build();
        }
        if (sameRequest && held.getError() == null && heldAt != null) {
            // Another address of a request that reached one: the target works.
            return null;
        }
        return next.setError(seen.getError())
                .setFailingSinceMs(held.getFailingSinceMs() != null ? held.getFailingSinceMs() : seenAt)
                .build();
    }
}
