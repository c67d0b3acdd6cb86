package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.MilterEmulator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skeleton path through a real broker: a target added with the CLI, a probe request from the
 * stream processor, a real OPTNEG handshake by the probe worker against a milter listening on
 * loopback, the probe result, the exposure state, and the alert, read back with the CLI. Then the
 * pipeline is stopped and started again on the same state: the state survives and the same
 * exposure raises no second alert.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SkeletonEndToEndIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldAlertOnceWhenAMilterAnswersTheExternalVantageAcrossARestart(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("skeleton");
        final Map<String, String> flags = Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                "processor.state.dir", stateDir.toString(), "processor.application.id", prefix + "-processor",
                "worker.vantage", "outside-1", "worker.zone", "EXTERNAL", "worker.reply.timeout.ms", "2000", "processor.http.port", "0",
                "worker.http.port", "0");
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
        final String[] connect = {"--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix};
        try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6)) {
            final String endpoint = "127.0.0.1:" + milter.port();
            try (Pipeline pipeline = Pipeline.start(settings, true, true)) {
                // when
                final CliRunner.Result add = cli(concat("targets", "add", concat(connect, endpoint)));
                assertThat(add.code()).isZero();
                assertThat(add.out()).contains("added " + endpoint);

                // then: exactly one exposure alert, with its evidence
                final List<ConsumerRecord<String, byte[]>> alerts = awaitRecords(cluster, pipeline.topics().alertsExposure(), 1);
                assertThat(alerts.get(0).key()).isEqualTo(endpoint);
                final Alert alert = Records.ALERT.decode("alerts", alerts.get(0).value());
                assertThat(alert.getToState()).isEqualTo(Exposure.EXPOSED);
                assertThat(alert.getFromState()).isEqualTo(Exposure.UNKNOWN);
                assertThat(alert.getSeverity()).isEqualTo(Severity.HIGH);
                assertThat(alert.getAlertId()).isEqualTo(endpoint + "#1");
                assertThat(alert.getTargetId()).isEqualTo(endpoint);
                assertThat(alert.getSummary()).contains(endpoint).contains("EXTERNAL").contains("'outside-1'").contains("only INTERNAL");
                assertThat(alert.getEvidence().getOutcome()).isEqualTo(Outcome.MILTER);
                assertThat(alert.getEvidence().getZone()).isEqualTo(Zone.EXTERNAL);
                assertThat(alert.getEvidence().getVantage()).isEqualTo("outside-1");
                assertThat(alert.getEvidence().getMilter().getVersion()).isEqualTo(6);
                assertThat(alert.getEvidence().getMilter().getSymbols()).containsKey("1");
                assertThat(alert.getRemediation()).contains("--dport " + milter.port()).contains("MTA_IP");
                // and: the milter got exactly our offer and a polite QUIT
                assertThat(milter.received()).isNotEmpty().allSatisfy(bytes -> assertThat(bytes).hasSize(22));

                // and: the CLI shows the same
                final CliRunner.Result shown = cli(concat("alerts", concat(connect, "--json")));
                assertThat(shown.out().lines().toList()).hasSize(1);
                assertThat(RecordJson.mapper().readTree(shown.out()).get("toState").asText()).isEqualTo("EXPOSED");
                final CliRunner.Result state = cli(concat("state", concat(connect, "--json")));
                assertThat(RecordJson.mapper().readTree(state.out()).get("state").asText()).isEqualTo("EXPOSED");

                // and: undecodable bytes on an input topic go to the DLQ and the processor keeps running
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(pipeline.topics().probeResults(), endpoint.getBytes(StandardCharsets.UTF_8),
                            "not a probe result".getBytes(StandardCharsets.UTF_8))).get();
                }
                final ConsumerRecord<String, byte[]> dead = awaitRecords(cluster, pipeline.topics().dlq(), 1).get(0);
                assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("not a probe result");
                assertThat(Dlq.header(dead.headers(), Dlq.REASON)).contains("cannot decode ProbeResult");
                assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_TOPIC)).isEqualTo(pipeline.topics().probeResults());
            }

            // when: the pipeline starts again on the same state and the target is probed again
            final int statesBefore = read(cluster, prefix + ".exposure.state").size();
            try (Pipeline again = Pipeline.start(settings, true, true)) {
                assertThat(cli(concat("targets", "add", concat(connect, "--interval", "60", endpoint))).code()).isZero();
                // then: a new state record (the re-probe was correlated) ...
                final List<ConsumerRecord<String, byte[]>> states = awaitRecords(cluster, again.topics().exposureState(), statesBefore + 1);
                final ExposureState latest = Records.EXPOSURE_STATE.decode("s", states.get(states.size() - 1).value());
                assertThat(latest.getState()).isEqualTo(Exposure.EXPOSED);
                assertThat(latest.getTransitions()).isEqualTo(1);
                assertThat(latest.getLastSeenMs()).isGreaterThan(latest.getSinceMs());
                // ... and still exactly one alert
                assertThat(read(cluster, again.topics().alertsExposure())).hasSize(1);
            }
        }
    }

    private static CliRunner.Result cli(final String... args) {
        return CliRunner.run(args);
    }

    private static String[] concat(final String first, final String... rest) {
        final String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static String[] concat(final String first, final String second, final String... rest) {
        return concat(first, concat(second, rest));
    }

    private static String[] concat(final String[] head, final String... tail) {
        final String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    private static List<ConsumerRecord<String, byte[]>> awaitRecords(final KafkaCluster cluster, final String topic, final int atLeast) {
        final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            seen.clear();
            seen.addAll(read(cluster, topic));
            return seen.size() >= atLeast;
        });
        return seen;
    }

    private static List<ConsumerRecord<String, byte[]>> read(final KafkaCluster cluster, final String topic) {
        return SkeletonEndToEndITSupport.read(cluster, topic);
    }
}
