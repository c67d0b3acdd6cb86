package io.milterwatch.processor.topology;

import io.milterwatch.schema.FirewallEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The set of watched {@code ip:port}s, as a global store fed by the compacted exposure-state
 * topic, so that the firewall stage can drop lines for every other endpoint before they are written
 * to the events topic: most firewall lines concern ports that are no target, and dropping them
 * there saves the events topic, its transaction and the correlator's lookup.
 */
final class WatchedEndpoints {

    static final String STORE = "watched-endpoints-store";
    private static final byte[] PRESENT = new byte[0];

    private WatchedEndpoints() {
    }

    /** Keeps the store in step with the exposure-state topic (a tombstone removes the endpoint). */
    static final class Updater implements Processor<String, byte[], Void, Void> {
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(final ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(final Record<String, byte[]> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), PRESENT);
            }
        }
    }

    /** Forwards only events whose destination is watched. */
    static final class Filter implements Processor<String, FirewallEvent, String, FirewallEvent> {
        private ProcessorContext<String, FirewallEvent> context;
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(final ProcessorContext<String, FirewallEvent> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(final Record<String, FirewallEvent> record) {
            if (record.key() != null && store.get(record.key()) != null) {
                context.forward(record);
            }
        }
    }
}
