package io.milterwatch.processor.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.milterwatch.processor.error.StoreDeadLetters;
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
 * The next-due times live in their own changelogged store, so a restart keeps the schedule.
 */
final class TargetRegistryProcessor implements Processor<String, Target, String, ProbeRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(TargetRegistryProcessor.class);

    private final Duration tick;
    private final Duration deadline;
    private ProcessorContext<String, ProbeRequest> context;
    private KeyValueStore<String, Target> registry;
    private KeyValueStore<String, Long> schedule;

    private final StoreDeadLetters deadLetters;

    TargetRegistryProcessor(final Duration tick, final Duration deadline, final StoreDeadLetters deadLetters) {
        this.tick = tick;
        this.deadline = deadline;
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
        this.registry = context.getStateStore(MilterwatchTopology.REGISTRY_STORE);
        this.schedule = context.getStateStore(MilterwatchTopology.SCHEDULE_STORE);
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::dueProbes);
    }

    @Override
    public void process(final Record<String, Target> record) {
        final String id = record.key();
        final Target target = record.value();
        if (target == null) {
            if (registry.delete(id) != null) {
                LOG.info("target {} removed", id);
            } else {
                deadLetters.claim(MilterwatchTopology.REGISTRY_STORE, id, context.taskId().partition());
            }
            schedule.delete(id);
            return;
        }
        final Target known = registered(id);
        if (target.equals(known)) {
            return;
        }
        registry.put(id, target);
        final long now = context.currentSystemTimeMs();
        schedule.put(id, nextDue(now, target));
        LOG.info("target {} {}: probing {} now", id, known == null ? "registered" : "changed", target.getHost());
        context.forward(new Record<>(id, request(target, ProbeReason.NEW, now), now));
    }

    private void dueProbes(final long now) {
        final List<KeyValue<String, Long>> due = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = schedule.all()) {
            while (all.hasNext()) {
                final KeyValue<String, Long> next = all.next();
                if (next.value <= now) {
                    due.add(next);
                }
            }
        }
        for (final KeyValue<String, Long> entry : due) {
            final Target target = registered(entry.key);
            if (target == null) {
                schedule.delete(entry.key);
                continue;
            }
            schedule.put(entry.key, nextDue(now, target));
            context.forward(new Record<>(entry.key, request(target, ProbeReason.SCHEDULED, now), now));
        }
    }

    private static long nextDue(final long now, final Target target) {
        final long interval = target.getIntervalSeconds() * 1000L;
        return now + interval + ThreadLocalRandom.current().nextLong(interval / 10 + 1);
    }

    private ProbeRequest request(final Target target, final ProbeReason reason, final long now) {
        final long validFor = Math.min(deadline.toMillis(), target.getIntervalSeconds() * 1000L);
        return ProbeRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setTargetId(target.getId())
                .setHost(target.getHost())
                .setPorts(target.getPorts())
                .setPortRanges(target.getPortRanges())
                .setReason(reason)
                .setAllowedZones(target.getAllowedZones())
                .setLabels(target.getLabels())
                .setRequestedAtMs(now)
                .setDeadlineMs(now + validFor)
                .build();
    }
}
