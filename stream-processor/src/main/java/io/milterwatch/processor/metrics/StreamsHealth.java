package io.milterwatch.processor.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

import io.milterwatch.metrics.Health;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Health of the stream processor, read from the Kafka Streams client's state at each request.
 * Live unless the client failed: ERROR or PENDING_ERROR (a stream thread died more often than it
 * may be replaced), or NOT_RUNNING without having been asked to close. Ready only while RUNNING:
 * during start-up, state restoration and rebalances (REBALANCING) and from the moment it is asked
 * to close, it is not.
 */
public final class StreamsHealth {

    private final KafkaStreams streams;
    private volatile boolean closing;

    public StreamsHealth(final KafkaStreams streams) {
        this.streams = streams;
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
            default -> Health.up(state.name(), facts);
        };
    }

    public Health readiness() {
        final KafkaStreams.State state = streams.state();
        final Map<String, Object> facts = facts(state);
        if (closing) {
            return Health.down("closing (" + state + ")", facts);
        }
        return state == KafkaStreams.State.RUNNING ? Health.up(state.name(), facts) : Health.down(state.name(), facts);
    }

    private Map<String, Object> facts(final KafkaStreams.State state) {
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("state", state.name());
        facts.put("closing", closing);
        return facts;
    }
}
