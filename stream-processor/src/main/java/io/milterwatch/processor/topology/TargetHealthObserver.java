package io.milterwatch.processor.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.TargetHealth;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns probe results (keyed by ip:port, or by target id when the worker could not name an
 * address) into health observations keyed by target id, for the repartition to the task that owns
 * the target ({@link TargetHealthProcessor}). Only what the target's health needs crosses the
 * repartition: a result is forwarded when it changes the target's error as this task last
 * forwarded it, belongs to a newer request and the last forward is older than {@link #REFRESH_MS},
 * or when its target is not in this task's memory. So a target with many addresses and ports costs
 * one record per request at most, and a target whose probes keep working one record a minute
 * at most, per task. The memory is a bounded LRU ({@link #REMEMBERED} targets per task): a target
 * it forgot costs one more record, never a wrong health. Not persisted: after a restart every
 * target is forwarded once more.
 *
 * <p>A result says the target's probe failed when its outcome is ERROR: the worker could not
 * probe that address at all (the name does not resolve, it or its address is out of scope, the
 * request expired). Any other outcome, CLOSED or FILTERED included, means the probe reached the
 * address.
 */
final class TargetHealthObserver implements Processor<String, ProbeResult, String, TargetHealth> {

    /** How stale {@code lastProbedAtMs} of a target whose health does not change may get. */
    static final long REFRESH_MS = 60_000;
    /** Targets remembered per task. */
    static final int REMEMBERED = 50_000;

    private record Forwarded(String requestId, String error, long atMs) {
    }

    private final Map<String, Forwarded> forwarded = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, Forwarded> eldest) {
            return size() > REMEMBERED;
        }
    };
    private ProcessorContext<String, TargetHealth> context;

    @Override
    public void init(final ProcessorContext<String, TargetHealth> context) {
        this.context = context;
    }

    @Override
    public void process(final Record<String, ProbeResult> record) {
        final ProbeResult result = record.value();
        if (result == null || result.getTargetId() == null || result.getTargetId().isEmpty()) {
            return;
        }
        final String error = error(result);
        final String targetId = result.getTargetId();
        final Forwarded last = forwarded.get(targetId);
        final boolean send = last == null
                || !Objects.equals(last.error(), error)
                || !last.requestId().equals(result.getRequestId()) && result.getProbedAtMs() - last.atMs() >= REFRESH_MS;
        if (!send) {
            if (!last.requestId().equals(result.getRequestId())) {
                // Remembered as seen, so that a working result of this newer request after an error is forwarded.
                forwarded.put(targetId, new Forwarded(result.getRequestId(), last.error(), last.atMs()));
            }
            return;
        }
        forwarded.put(targetId, new Forwarded(result.getRequestId(), error, result.getProbedAtMs()));
        final TargetHealth observation = TargetHealth.newBuilder()
                .setTargetId(targetId)
                .setHost(result.getHost())
                .setLastProbedAtMs(result.getProbedAtMs())
                .setError(error)
                .setFailingSinceMs(error == null ? null : result.getProbedAtMs())
                .setRequestId(result.getRequestId())
                .setVantage(result.getVantage())
                .build();
        context.forward(new Record<>(targetId, observation, record.timestamp()));
    }

    /** Why the result's probe could not be made; null when it reached its address. */
    static String error(final ProbeResult result) {
        if (result.getOutcome() != Outcome.ERROR) {
            return null;
        }
        final String error = result.getError();
        return error == null || error.isEmpty() ? "probe failed (no reason given by the worker)" : error;
    }
}
