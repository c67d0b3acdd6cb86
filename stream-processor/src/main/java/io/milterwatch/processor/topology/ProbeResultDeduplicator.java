package io.milterwatch.processor.topology;

import java.time.Duration;

import io.milterwatch.schema.ProbeResult;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises probe results that a worker delivered more than once. Workers are at-least-once: one
 * that dies after its results were written but before its offsets were committed has its batch
 * probed again by another member of its group, so one request yields a second result for the same
 * ip:port and vantage. The first result of a (ip:port, vantage, request id) is passed on as
 * evidence; any later one as a {@link CorrelationInput.Duplicate}, which the correlator counts and
 * never applies: one request is one piece of evidence, so a redelivery can neither move the state
 * (a second, later look at a flapping port) nor raise an alert.
 *
 * <p>Ids are kept in the changelogged window store {@link MilterwatchTopology#DEDUPE_STORE}, at
 * the record time of the first result (the worker's publish time), for
 * {@code processor.dedupe.retention.ms}; older segments are dropped as stream time passes, so the
 * store stays bounded. A worker takes no request after its deadline
 * ({@code processor.request.deadline.ms}, answered ERROR without an address and never correlated),
 * so a retention above the deadline covers every redelivery of a real probe. Records arrive here
 * keyed by ip:port, so the store is partitioned like the exposure store and needs no repartition.
 */
final class ProbeResultDeduplicator implements FixedKeyProcessor<String, ProbeResult, CorrelationInput> {

    static final String SENSOR_SCOPE = "milterwatch-dedupe";
    private static final Logger LOG = LoggerFactory.getLogger(ProbeResultDeduplicator.class);

    private final long retentionMs;
    private FixedKeyProcessorContext<String, CorrelationInput> context;
    private WindowStore<String, Long> seen;
    private Sensor duplicates;

    ProbeResultDeduplicator(final Duration retention) {
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void init(final FixedKeyProcessorContext<String, CorrelationInput> context) {
        this.context = context;
        this.seen = context.getStateStore(MilterwatchTopology.DEDUPE_STORE);
        duplicates = context.metrics().addRateTotalSensor(SENSOR_SCOPE, context.taskId().toString(), "duplicate",
                Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(final FixedKeyRecord<String, ProbeResult> record) {
        final ProbeResult result = record.value();
        final String id = id(record.key(), result);
        final long t = record.timestamp();
        // Either side: a redelivery from a worker whose clock runs behind the first one's is one too.
        final Long firstProbedAt;
        try (WindowStoreIterator<Long> hits = seen.fetch(id, Math.max(0, t - retentionMs), t + retentionMs)) {
            firstProbedAt = hits.hasNext() ? hits.next().value : null;
        }
        if (firstProbedAt != null) {
            duplicates.record();
            LOG.debug("{}: result of request {} from vantage '{}' redelivered (first probed at {}); counted, not applied", record.key(),
                    result.getRequestId(), result.getVantage(), firstProbedAt);
            context.forward(record.withValue(new CorrelationInput.Duplicate(result)));
            return;
        }
        seen.put(id, result.getProbedAtMs(), t);
        context.forward(record.withValue(new CorrelationInput.Probe(result)));
    }

    /** The identity of one result: ip:port, vantage and request id, each length-prefixed so that no two triples collide. */
    static String id(final String key, final ProbeResult result) {
        final String vantage = result.getVantage();
        return key.length() + ":" + key + vantage.length() + ":" + vantage + result.getRequestId();
    }

    @Override
    public void close() {
        // Sensors are per task: a revoked task must not leave its counter behind.
        context.metrics().removeSensor(duplicates);
    }
}
