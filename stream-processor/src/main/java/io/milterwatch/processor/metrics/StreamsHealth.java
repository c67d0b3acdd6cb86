package io.milterwatch.processor.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import io.milterwatch.metrics.Health;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Health of the stream processor, read from the Kafka Streams client's state at each request.
 * Live unless the client failed: ERROR or PENDING_ERROR (a stream thread died more often than it
 * may be replaced), or NOT_RUNNING without having been asked to close. Ready only while RUNNING:
 * during start-up, state restoration and rebalances (REBALANCING) and from the moment it is asked
 * to close, it is not. When stored values could not be decoded (sent to the DLQ, see
 * {@code StoreDeadLetters}) it stays live and ready, and says DEGRADED with their count.
 */
public final class StreamsHealth {

    private final KafkaStreams streams;
    private final LongSupplier undecodableStoreValues;
    private volatile boolean closing;

    public StreamsHealth(final KafkaStreams streams) {
        this(streams, () -> 0);
    }

    /** @param undecodableStoreValues store values sent to the DLQ as undecodable so far: any makes health DEGRADED */
    public StreamsHealth(final KafkaStreams streams, final LongSupplier undecodableStoreValues) {
        this.streams = streams;
        this.undecodableStoreValues = undecodableStoreValues;
    }

    /** Called before the client is closed: from now on a stop is expected, and the instance is not ready. */
    public void closing() {
        closing = true;
    }

    public Health liveness() {
        final KafkaStreams.State state = streams.state();
        final Map<String, Object> facts = facts(state);
        return switch (state) {
            case ERROR, PENDING_ERROR -> Health.down("stream processor failed (" + state + ")", facts);
            case NOT_RUNNING, PENDING_SHUTDOWN -> closing ? Health.up(state.name() + " (closing)", facts)
                    : Health.down("stream processor stopped without being closed (" + state + ")", facts);
            default -> Health.up(degraded(state.name(), facts), facts);
        };
    }

    public Health readiness() {
        final KafkaStreams.State state = streams.state();
        final Map<String, Object> facts = facts(state);
        if (closing) {
            return Health.down("closing (" + state + ")", facts);
        }
        return state == KafkaStreams.State.RUNNING ? Health.up(degraded(state.name(), facts), facts) : Health.down(state.name(), facts);
    }

    /** Serving, but some stored state was lost to the DLQ: up (a restart would not help), and saying so. */
    private static String degraded(final String reason, final Map<String, Object> facts) {
        final long undecodable = (Long) facts.get("undecodableStoreValues");
        return undecodable == 0 ? reason : reason + ", DEGRADED: " + undecodable
                + " stored value(s) could not be decoded and went to the DLQ (see the state command)";
    }

    private Map<String, Object> facts(final KafkaStreams.State state) {
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("state", state.name());
        facts.put("closing", closing);
        final long undecodable = undecodableStoreValues.getAsLong();
        facts.put("degraded", undecodable > 0);
        facts.put("undecodableStoreValues", undecodable);
        return facts;
    }
}
