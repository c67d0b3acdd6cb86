package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.MilterEmulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undecodable and oversized records on every input topic of the running pipeline: each goes to the
 * DLQ with a reason naming what was wrong and where it came from, and every stage keeps running (a
 * real target added afterwards is still probed and alerted on).
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BadInputIT {

    private static final int OVERSIZED = 3 * 1024 * 1024;

    @TempDir
    Path stateDir;

    @Test
    void shouldDeadLetterEveryBadRecordAndKeepRunningWhenInputTopicsGetGarbage(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("badinput");
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers",
                cluster.bootstrapServers(), "topic.prefix", prefix, "processor.state.dir", stateDir.toString(),
                "processor.application.id", prefix + "-processor", "processor.http.port", "0", "worker.http.port", "0",
                "worker.reply.timeout.ms", "2000"),
                ConnectionOptions.KAFKA_NAMES);
        final Topics topics = Topics.withPrefix(prefix);
        TopicProvisioner.ensureTopics(settings, topics);
        final List<String> inputs = List.of(topics.targets(), topics.probeRequests(), topics.probeResults(), topics.firewallRaw(),
                topics.firewallEvents());
        try (Admin admin = cluster.admin()) {
            // the input topics accept large records, as a careless producer's cluster might
            final Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new java.util.HashMap<>();
            for (final String t : inputs) {
                ops.put(new ConfigResource(ConfigResource.Type.TOPIC, t), List.of(new AlterConfigOp(
                        new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(2 * OVERSIZED)), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
        }
        final byte[] garbage = "definitely not a record \u0000\u0001".getBytes(StandardCharsets.UTF_8);
        final byte[] huge = new byte[OVERSIZED];
        Arrays.fill(huge, (byte) 'x');
        try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6);
             Pipeline pipeline = Pipeline.start(settings, true, true);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers(), ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * OVERSIZED), new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            // when: garbage and an oversized record on every input topic
            for (final String topic : inputs) {
                producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8), garbage)).get();
                producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8), huge)).get();
            }
            // then: two DLQ records per input topic, each with a reason and its source
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                final List<ConsumerRecord<String, byte[]>> dead = SkeletonEndToEndITSupport.read(cluster, topics.dlq());
                for (final String topic : inputs) {
                    assertThat(dead.stream().filter(r -> topic.equals(Dlq.header(r.headers(), Dlq.SOURCE_TOPIC))).toList())
                            .as("DLQ records from " + topic).hasSize(2)
                            .allSatisfy(r -> assertThat(Dlq.header(r.headers(), Dlq.REASON)).isNotBlank())
                            // the oversized one is kept in the DLQ, cut to a size that can always be written, and says so
                            .anySatisfy(r -> {
                                assertThat(r.value()).hasSize(Dlq.MAX_VALUE_BYTES);
                                assertThat(Dlq.header(r.headers(), Dlq.ORIGINAL_VALUE_BYTES)).isEqualTo(Integer.toString(OVERSIZED));
                            });
                }
            });
            // and: every stage still works
            assertThat(CliRunner.run("targets", "add", "--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix,
                    milter.hostPort()).code()).isZero();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                final List<Alert> alerts = new ArrayList<>();
                SkeletonEndToEndITSupport.read(cluster, topics.alertsExposure())
                        .forEach(r -> alerts.add(Records.ALERT.decode(r.topic(), r.value())));
                assertThat(alerts).singleElement().satisfies(a -> {
                    assertThat(a.getKey()).isEqualTo(milter.hostPort());
                    assertThat(a.getToState()).isEqualTo(Exposure.EXPOSED);
                });
            });
            assertThat(pipeline.processor().state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
        }
    }
}
