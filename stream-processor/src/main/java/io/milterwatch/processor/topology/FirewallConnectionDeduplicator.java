package io.milterwatch.processor.topology;

import java.time.Duration;

import io.milterwatch.schema.FirewallEvent;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts one firewall connection once when the device logs it more than once under its own id: Cisco
 * ASA's "built" and "teardown" messages (302013/302014, 302015/302016) and FTD's connection start and
 * end events (430002/430003) describe the same connection. Configurations that switch the "built"
 * messages off log the connection by its teardown only: whichever message comes first is the event,
 * and a later one of the same (device, connection id) is dropped and counted.
 *
 * <p>Records arrive keyed by {@link #key(String, String)} (repartitioned, so every message of one
 * connection reaches the same task). Ids are kept in the window store
 * {@link FirewallTopology#CONNECTION_STORE} at the record time of the first message for
 * {@link FirewallTopology#CONNECTION_RETENTION}; older segments are dropped as stream time passes, so
 * the store stays bounded. A connection whose teardown comes later than that (a long-lived session)
 * counts twice: one extra piece of evidence for the same endpoint, never a wrong one.
 */
final class FirewallConnectionDeduplicator implements FixedKeyProcessor<String, FirewallEvent, FirewallEvent> {

    static final String SENSOR_SCOPE = "milterwatch-firewall-connections";
    private static final Logger LOG = LoggerFactory.getLogger(FirewallConnectionDeduplicator.class);

    private final long retentionMs;
    private FixedKeyProcessorContext<String, FirewallEvent> context;
    private WindowStore<String, Long> seen;
    private Sensor repeated;

    FirewallConnectionDeduplicator(final Duration retention) {
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void init(final FixedKeyProcessorContext<String, FirewallEvent> context) {
        this.context = context;
        this.seen = context.getStateStore(FirewallTopology.CONNECTION_STORE);
        repeated = context.metrics().addRateTotalSensor(SENSOR_SCOPE, context.taskId().toString(), "repeated",
                Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(final FixedKeyRecord<String, FirewallEvent> record) {
        final long t = record.timestamp();
        final boolean known;
        // Either side of t: a relay may deliver the teardown before the built message.
        try (WindowStoreIterator<Long> hits = seen.fetch(record.key(), Math.max(0, t - retentionMs), t + retentionMs)) {
            known = hits.hasNext();
        }
        if (known) {
            repeated.record();
            LOG.debug("Connection {} logged again ({}); counted once", record.key(), record.value().getRawAction());
            return;
        }
        seen.put(record.key(), record.value().getTimestampMs(), t);
        context.forward(record);
    }

    @Override
    public void close() {
        context.metrics().removeSensor(repeated);
    }

    /** The identity of one connection: the device (or "") and the device's connection id, length-prefixed so no two pairs collide. */
    static String key(final String device, final String connectionId) {
        final String d = device == null ? "" : device;
        return d.length() + ":" + d + connectionId;
    }
}
