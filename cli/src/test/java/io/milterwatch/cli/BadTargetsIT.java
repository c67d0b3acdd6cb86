package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Targets that must never be probed, written straight onto the targets topic (as any producer
 * could, past the CLI's own checks): impossible ports and control characters are refused by the
 * registry into the DLQ; a /0 range, a cloud-metadata address, a link-local address and an address
 * outside the worker's scope reach the worker, which answers each with an ERROR result saying why,
 * without opening a connection.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BadTargetsIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldRefuseEveryDangerousTargetWithAReasonAndProbeNoneOfThem(final KafkaCluster cluster) throws Exception {
        // given: a worker whose scope is loopback only
        final String prefix = KafkaCluster.uniquePrefix("badtargets");
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers",
                cluster.bootstrapServers(), "topic.prefix", prefix, "processor.state.dir", stateDir.toString(),
                "processor.application.id", prefix + "-processor", "processor.http.port", "0", "worker.http.port", "0",
                "worker.scope.allow", "127.0.0.0/8"),
                ConnectionOptions.KAFKA_NAMES);
        final Topics topics = Topics.withPrefix(prefix);
        try (Pipeline pipeline = Pipeline.start(settings, true, true);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            // when
            send(producer, topics, "mx:0", "mx", 0);
            send(producer, topics, "mx:70000", "mx", 70000);
            send(producer, topics, "bell", "mx\u0007.example", 8891);
            send(producer, topics, "everything", "0.0.0.0/0", 8891);
            send(producer, topics, "metadata", "169.254.169.254", 80);
            send(producer, topics, "metadata-v6-mapped", "::ffff:169.254.169.254", 80);
            send(producer, topics, "link-local", "fe80::1", 8891);
            send(producer, topics, "outside-scope", "198.51.100.7", 8891);

            // then: the registry refuses the impossible ones, with reasons
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                final Map<String, String> reasons = new java.util.HashMap<>();
                for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topics.dlq())) {
                    reasons.put(r.key(), Dlq.header(r.headers(), Dlq.REASON));
                }
                assertThat(reasons).containsOnlyKeys("mx:0", "mx:70000", "bell");
                assertThat(reasons.get("mx:0")).contains("port 0");
                assertThat(reasons.get("mx:70000")).contains("port 70000");
                assertThat(reasons.get("bell")).contains("forbidden character");
            });
            // and: the worker answers the others with an ERROR result and a reason, never a connection
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                final List<ProbeResult> results = new ArrayList<>();
                SkeletonEndToEndITSupport.read(cluster, topics.probeResults())
                        .forEach(r -> results.add(Records.PROBE_RESULT.decode(r.topic(), r.value())));
                assertThat(results).extracting(ProbeResult::getTargetId)
                        .containsExactlyInAnyOrder("everything", "metadata", "metadata-v6-mapped", "link-local", "outside-scope");
                assertThat(results).allSatisfy(r -> {
                    assertThat(r.getOutcome()).as(r.getTargetId()).isEqualTo(Outcome.ERROR);
                    assertThat(r.getError()).as(r.getTargetId()).isNotBlank();
                    assertThat(r.getConnectMs()).as(r.getTargetId() + " must not have been connected to").isNull();
                });
            });
        }
    }

    private static void send(final KafkaProducer<String, byte[]> producer, final Topics topics, final String id, final String host,
            final int port) throws Exception {
        final Target t = Target.newBuilder().setId(id).setHost(host).setPorts(List.of(port)).setIntervalSeconds(300).build();
        producer.send(new ProducerRecord<>(topics.targets(), id, Records.TARGET.encode(t))).get();
    }
}
