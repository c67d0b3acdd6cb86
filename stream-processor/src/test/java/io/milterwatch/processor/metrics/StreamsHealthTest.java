package io.milterwatch.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.topology.MilterwatchTopology;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Liveness and readiness from a real Kafka Streams client's state; none of these states needs a broker. */
class StreamsHealthTest {

    @TempDir
    Path stateDir;

    private KafkaStreams streams(final String appId) {
        final Topics topics = Topics.defaults();
        // Nothing listens on port 1: the client is never started, so it never connects.
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir).withConnection("127.0.0.1:1", appId);
        return new KafkaStreams(MilterwatchTopology.build(topics, config), StreamsApp.properties(config));
    }

    @Test
    void shouldBeLiveButNotReadyWhenCreated() {
        try (KafkaStreams streams = streams("health-created")) {
            final StreamsHealth health = new StreamsHealth(streams);
            assertThat(health.liveness().up()).isTrue();
            assertThat(health.readiness().up()).isFalse();
            assertThat(health.readiness().reason()).isEqualTo("CREATED");
        }
    }

    @Test
    void shouldStayLiveButNotReadyWhenClosedAsAsked() {
        final KafkaStreams streams = streams("health-closed");
        final StreamsHealth health = new StreamsHealth(streams);
        health.closing();
        streams.close();
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
        assertThat(health.liveness().up()).isTrue();
        assertThat(health.readiness().up()).isFalse();
        assertThat(health.readiness().reason()).startsWith("closing");
    }

    @Test
    void shouldNotBeLiveWhenStoppedWithoutBeingAsked() {
        final KafkaStreams streams = streams("health-stopped");
        final StreamsHealth health = new StreamsHealth(streams);
        streams.close();
        assertThat(health.liveness().up()).isFalse();
        assertThat(health.liveness().reason()).contains("stopped without being closed").contains("NOT_RUNNING");
        assertThat(health.liveness().details()).containsEntry("state", "NOT_RUNNING");
    }

    @Test
    void shouldSayDegradedWithTheCountWhenStoredValuesWentToTheDlq() {
        try (KafkaStreams streams = streams("health-degraded")) {
            final StreamsHealth health = new StreamsHealth(streams, () -> 2);
            assertThat(health.liveness().up()).isTrue();
            assertThat(health.liveness().reason()).startsWith("CREATED, DEGRADED: 2 stored value(s) could not be decoded");
            assertThat(health.readiness().details()).containsEntry("degraded", true).containsEntry("undecodableStoreValues", 2L);
            assertThat(new StreamsHealth(streams).liveness().details()).containsEntry("degraded", false);
        }
    }
}
