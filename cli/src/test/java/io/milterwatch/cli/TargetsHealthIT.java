package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code targets list} shows each target's health as the real stream processor keeps it on the
 * target.health topic: a target whose name does not resolve is listed with the worker's reason,
 * in {@code --json} and in the human list, and a probe that works again clears it. Results are
 * written onto probe-results as a worker publishes them (keyed by target id when the name did not
 * resolve).
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TargetsHealthIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldListTheErrorOfAFailingTargetAndClearItWhenAProbeWorks(final KafkaCluster cluster) throws Exception {
        // given: two targets and the stream processor
        final String prefix = KafkaCluster.uniquePrefix("targets-health");
        final Settings s = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "topic.prefix", prefix, "topic.partitions", "2"), ConnectionOptions.KAFKA_NAMES);
        final Topics topics = Topics.withPrefix(prefix);
        TopicProvisioner.ensureTopics(s, topics);
        final String[] connect = {"--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix};
        assertThat(CliRunner.run(concat(new String[] {"targets", "add", "nx.example.invalid:2525"}, connect)).code()).isZero();
        assertThat(CliRunner.run(concat(new String[] {"targets", "add", "192.0.2.10:8891"}, connect)).code()).isZero();
        final Map<String, String> processor = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                "processor.state.dir", stateDir.toString(), "processor.application.id", prefix + "-processor", "processor.http.port", "0"));
        try (StreamsApp app = new StreamsApp(ProcessorConfig.from(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), processor,
                ConnectionOptions.KAFKA_NAMES)));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.state() == KafkaStreams.State.RUNNING);
            // before any result: listed, never probed, no error
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(listed(connect)).hasSize(2)
                    .allSatisfy((id, t) -> assertThat(t.has("lastProbedAtMs") && t.path("lastProbedAtMs").isNull()).isTrue()));

            // when: the name does not resolve (keyed by target id), and the other target's port is closed
            final long at = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(topics.probeResults(), "nx.example.invalid:2525", Records.PROBE_RESULT.encode(result(
                    "nx.example.invalid:2525", "nx.example.invalid", "", 2525, Outcome.ERROR,
                    "cannot resolve host 'nx.example.invalid': no A or AAAA record (or the resolver failed)", "r1", at)))).get();
            producer.send(new ProducerRecord<>(topics.probeResults(), "192.0.2.10:8891", Records.PROBE_RESULT.encode(result(
                    "192.0.2.10:8891", "192.0.2.10", "192.0.2.10", 8891, Outcome.CLOSED, "connection refused", "r2", at)))).get();

            // then: --json has one line per target with its health
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                final Map<String, JsonNode> list = listed(connect);
                final JsonNode nx = list.get("nx.example.invalid:2525");
                assertThat(nx.path("host").asText()).isEqualTo("nx.example.invalid");
                assertThat(nx.path("ports").get(0).asInt()).isEqualTo(2525);
                assertThat(nx.path("error").asText()).startsWith("cannot resolve host 'nx.example.invalid'");
                assertThat(nx.path("lastProbedAtMs").asLong()).isEqualTo(at);
                final JsonNode ok = list.get("192.0.2.10:8891");
                assertThat(ok.path("error").isNull()).isTrue();
                assertThat(ok.path("lastProbedAtMs").asLong()).isEqualTo(at);
            });
            // and: the human list says which target fails and why
            final CliRunner.Result human = CliRunner.run(concat(new String[] {"targets", "list"}, connect));
            assertThat(human.out()).contains("FAILING since").contains("cannot resolve host 'nx.example.invalid'")
                    .contains("2 target(s), 1 failing");

            // when: the name resolves again and its probe reaches the address
            producer.send(new ProducerRecord<>(topics.probeResults(), "192.0.2.11:2525", Records.PROBE_RESULT.encode(result(
                    "nx.example.invalid:2525", "nx.example.invalid", "192.0.2.11", 2525, Outcome.OPEN_SILENT, null, "r3", at + 5000)))).get();
            // then: the error is gone
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                final JsonNode nx = listed(connect).get("nx.example.invalid:2525");
                assertThat(nx.path("error").isNull()).isTrue();
                assertThat(nx.path("lastProbedAtMs").asLong()).isEqualTo(at + 5000);
            });
            assertThat(CliRunner.run(concat(new String[] {"targets", "list"}, connect)).out()).doesNotContain("FAILING").contains("2 target(s)\n");
        }
    }

    private static Map<String, JsonNode> listed(final String[] connect) throws Exception {
        final CliRunner.Result r = CliRunner.run(concat(new String[] {"targets", "list", "--json"}, connect));
        assertThat(r.code()).as(r.err()).isZero();
        final Map<String, JsonNode> byId = new HashMap<>();
        for (final String line : r.out().lines().toList()) {
            final JsonNode n = RecordJson.mapper().readTree(line);
            byId.put(n.path("id").asText(), n);
        }
        return byId;
    }

    private static ProbeResult result(final String targetId, final String host, final String ip, final int port, final Outcome outcome,
            final String error, final String request, final long at) {
        return ProbeResult.newBuilder().setRequestId(request).setTargetId(targetId).setHost(host).setIp(ip).setPort(port)
                .setVantage("v1").setZone(Zone.INTERNAL).setAllowedZones(List.of(Zone.INTERNAL)).setOutcome(outcome).setError(error)
                .setTotalMs(1).setProbedAtMs(at).build();
    }

    private static String[] concat(final String[] head, final String... tail) {
        final String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
