package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.consume.ProbeWorker;
import io.milterwatch.testing.MilterEmulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * At-least-once across a crash: a worker process is killed with SIGKILL while its batch is being
 * probed (before any result was acknowledged, so before any commit); another worker of the same
 * vantage (the same consumer group) then probes every one of those requests again.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WorkerKillIT {

    private static final int REQUESTS = 12;

    @Test
    void shouldProbeEveryRequestAgainWhenAWorkerIsKilledMidBatch(final KafkaCluster cluster) throws Exception {
        // given: topics, a silent port (each probe takes its three reply timeouts), requests for it
        final String prefix = KafkaCluster.uniquePrefix("kill");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        env.put("MILTERWATCH_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("MILTERWATCH_TOPIC_PREFIX", prefix);
        env.put("MILTERWATCH_WORKER_VANTAGE", "crashy");
        env.put("MILTERWATCH_WORKER_ZONE", "INTERNAL");
        env.put("MILTERWATCH_WORKER_REPLY_TIMEOUT_MS", "2000");
        env.put("MILTERWATCH_WORKER_HTTP_PORT", "0");
        env.put("MILTERWATCH_WORKER_HOST_CONCURRENCY", "64");
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        try (MilterEmulator silent = MilterEmulator.start(MilterEmulator.Behaviour.SILENT);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            final Set<String> ids = new HashSet<>();
            for (int i = 0; i < REQUESTS; i++) {
                final String id = "kill-" + i;
                ids.add(id);
                final ProbeRequest r = ProbeRequest.newBuilder().setRequestId(id).setTargetId(silent.hostPort()).setHost("127.0.0.1")
                        .setPorts(List.of(silent.port())).setReason(ProbeReason.MANUAL).setAllowedZones(List.of(Zone.INTERNAL))
                        .setRequestedAtMs(System.currentTimeMillis()).setDeadlineMs(0).build();
                producer.send(new ProducerRecord<>(topics.probeRequests(), id.getBytes(StandardCharsets.UTF_8),
                        Records.PROBE_REQUEST.encode(r))).get();
            }
            // when: a worker process takes the batch and is killed while probing it
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // the slim role jar, as a worker image runs it (built in probe-worker's package phase)
            final Path workerJar = Path.of("..", "probe-worker", "target", "milterwatch-worker.jar");
            assertThat(workerJar).as("the worker's role jar is built before integration tests").exists();
            final ProcessBuilder pb = new ProcessBuilder(java, "-jar", workerJar.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(env);
            final Process first = pb.start();
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> silent.accepted() >= REQUESTS);
            } finally {
                first.destroyForcibly(); // SIGKILL
                first.waitFor(20, TimeUnit.SECONDS);
            }
            final long killedAt = System.currentTimeMillis();
            assertThat(readResults(cluster, topics.probeResults(), Duration.ofSeconds(2))).isEmpty();
            // then: a second worker of the same vantage probes every request again
            final Map<String, String> flags = Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                    "worker.vantage", "crashy", "worker.zone", "INTERNAL", "worker.reply.timeout.ms", "2000", "worker.host.concurrency", "64");
            final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of("KAFKA_SESSION_TIMEOUT_MS", "6000"), flags,
                    ConnectionOptions.KAFKA_NAMES);
            try (ProbeWorker second = new ProbeWorker(WorkerConfig.from(settings))) {
                final Thread thread = new Thread(second, "second-worker");
                thread.start();
                final List<ProbeResult> results = new ArrayList<>();
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    results.clear();
                    results.addAll(readResults(cluster, topics.probeResults(), Duration.ofSeconds(1)));
                    return results.stream().map(ProbeResult::getRequestId).toList().containsAll(ids);
                });
                assertThat(results).allSatisfy(r -> {
                    assertThat(r.getOutcome()).isEqualTo(Outcome.OPEN_SILENT);
                    assertThat(r.getProbedAtMs()).isGreaterThanOrEqualTo(killedAt);
                });
                second.close();
                thread.join(10_000);
            }
        }
    }

    private static List<ProbeResult> readResults(final KafkaCluster cluster, final String topic, final Duration wait) {
        final List<ProbeResult> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            final long end = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < end) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(Records.PROBE_RESULT.decode(topic, r.value())));
            }
        }
        return out;
    }
}
