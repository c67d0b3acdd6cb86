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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.ExposureState;
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
import io.milterwatch.testing.MilterEmulator.Behaviour;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once at scale, end to end: 10,000 probe requests are queued for real milter listeners
 * on loopback (several ports); a probe worker process takes them in batches of up to 1,000 and is
 * killed with SIGKILL in the middle of a batch. A second worker of the same vantage (the same
 * consumer group) takes over and finishes. Every request must have a result; the stream processor,
 * running all along, must apply each request once per ip:port ({@code distinctResults}) and count
 * every redelivery ({@code duplicateResults}). The number of duplicates on the results topic is
 * printed: they are what at-least-once means, not a failure.
 *
 * <p>A worker publishes a batch's results in order as their probes end and commits only after the
 * last is acknowledged, so while a batch is being probed part of its results are on the topic,
 * uncommitted. The kill comes when a quarter of the results are there, in the third batch or so:
 * the part of that batch already written is probed again by the second worker, as duplicates.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WorkerKillAtScaleIT {

    private static final int REQUESTS = 10_000;
    private static final String VANTAGE = "crashy";

    @TempDir
    Path stateDir;

    @Test
    void shouldAnswerEveryRequestAndApplyEachOnceWhenAWorkerIsKilledMidBatch(final KafkaCluster cluster) throws Exception {
        // given: topics, milter listeners on several ports, and the processor
        final String prefix = KafkaCluster.uniquePrefix("killscale");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        final Map<String, String> worker = Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                "worker.vantage", VANTAGE, "worker.zone", "INTERNAL", "worker.host.concurrency", "64",
                "worker.host.rate", "1000000", "worker.max.poll.records", "1000");
        final List<MilterEmulator> milters = new ArrayList<>();
        try (StreamsApp processor = new StreamsApp(ProcessorConfig.from(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(),
                     Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.state.dir",
                             stateDir.toString(), "processor.application.id", prefix + "-processor", "processor.http.port", "0"),
                     ConnectionOptions.KAFKA_NAMES)));
             TopicTail results = new TopicTail(cluster, topics.probeResults())) {
            for (final Behaviour b : List.of(Behaviour.LIBMILTER_V6, Behaviour.LIBMILTER_V6, Behaviour.RSPAMD, Behaviour.GO_V2,
                    Behaviour.LIBMILTER_V6, Behaviour.RSPAMD)) {
                milters.add(MilterEmulator.start(b));
            }
            processor.start();
            final Map<String, Integer> requestsPerEndpoint = new HashMap<>();
            final Set<String> ids = queue(cluster, topics, milters, requestsPerEndpoint);

            // when: a worker process takes the requests and is killed mid-batch
            final Process first = startWorker(worker);
            final int atKill;
            try {
                await().atMost(Duration.ofSeconds(120)).pollInSameThread().until(() -> results.poll().size() >= REQUESTS / 4);
            } finally {
                first.destroyForcibly(); // SIGKILL
                first.waitFor(20, TimeUnit.SECONDS);
            }
            atKill = results.readToEnd().size();
            assertThat(first.isAlive()).isFalse();
            assertThat(atKill).as("results when the first worker died").isLessThan(REQUESTS);
            // and: a second worker of the same vantage takes over and finishes
            final long secondProbed;
            try (ProbeWorker second = new ProbeWorker(WorkerConfig.from(Settings.load(ConnectionOptions.ALL_SETTINGS, null,
                    Map.of("KAFKA_SESSION_TIMEOUT_MS", "6000"), worker, ConnectionOptions.KAFKA_NAMES)))) {
                final Thread thread = new Thread(second, "second-worker");
                thread.start();
                await().atMost(Duration.ofSeconds(180)).pollInSameThread().until(() -> requestIds(results.poll()).containsAll(ids));
                second.close();
                thread.join(10_000);
                secondProbed = second.probed();
            }

            // then: every request has a result, and each result is what its listener is: a milter
            final List<ProbeResult> all = results.readToEnd().stream().map(r -> Records.PROBE_RESULT.decode(r.topic(), r.value())).toList();
            assertThat(requestIds(results.readToEnd())).isEqualTo(ids);
            assertThat(all.stream().filter(r -> r.getOutcome() != Outcome.MILTER || !r.getVantage().equals(VANTAGE))
                    .map(r -> r.getRequestId() + " on port " + r.getPort() + ": " + r.getOutcome() + " " + r.getError()).limit(10))
                    .as("results that are not a milter seen from vantage " + VANTAGE).isEmpty();
            final int duplicates = all.size() - ids.size();
            System.out.printf("WorkerKillAtScaleIT: %d requests, %d results (%d when the first worker was killed, %d probed by the second"
                    + " worker), %d duplicates%n", ids.size(), all.size(), atKill, secondProbed, duplicates);
            assertThat(duplicates).as("duplicates are allowed, never negative").isGreaterThanOrEqualTo(0);
            assertThat(secondProbed).as("the second worker probed what the first left").isGreaterThanOrEqualTo(REQUESTS - atKill);
            final Map<String, Integer> resultsPerEndpoint = new HashMap<>();
            all.forEach(r -> resultsPerEndpoint.merge(r.getIp() + ":" + r.getPort(), 1, Integer::sum));

            // and: the processor applied each request once per ip:port and counted every redelivery
            SkeletonEndToEndITSupport.awaitCaughtUp(cluster, prefix + "-processor", List.of(topics.probeResults()), Duration.ofSeconds(120));
            final Map<String, ExposureState> states = new HashMap<>();
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topics.exposureState())) {
                states.put(r.key(), Records.EXPOSURE_STATE.decode(r.topic(), r.value()));
            }
            assertThat(states).containsOnlyKeys(requestsPerEndpoint.keySet());
            requestsPerEndpoint.forEach((endpoint, requests) -> {
                final ExposureState s = states.get(endpoint);
                assertThat(s.getDistinctResults()).as("results applied for " + endpoint).isEqualTo(requests.longValue());
                assertThat(s.getDuplicateResults()).as("redeliveries counted for " + endpoint)
                        .isEqualTo(resultsPerEndpoint.get(endpoint) - requests.longValue());
                assertThat(s.getVantages()).containsOnlyKeys(VANTAGE);
            });
            assertThat(states.values().stream().mapToLong(ExposureState::getDuplicateResults).sum()).isEqualTo(duplicates);
        } finally {
            for (final MilterEmulator m : milters) {
                m.close();
            }
        }
    }

    /** Queues the requests, one port each, keyed by target id as the processor's scheduler does; returns their ids. */
    private static Set<String> queue(final KafkaCluster cluster, final Topics topics, final List<MilterEmulator> milters,
            final Map<String, Integer> perEndpoint) throws Exception {
        final Set<String> ids = new HashSet<>();
        final List<java.util.concurrent.Future<?>> sent = new ArrayList<>(REQUESTS);
        final long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < REQUESTS; i++) {
                final MilterEmulator listener = milters.get(i % milters.size());
                final String id = "scale-" + i;
                ids.add(id);
                perEndpoint.merge(listener.hostPort(), 1, Integer::sum);
                final ProbeRequest r = ProbeRequest.newBuilder().setRequestId(id).setTargetId(listener.hostPort()).setHost("127.0.0.1")
                        .setPorts(List.of(listener.port())).setReason(ProbeReason.SCHEDULED).setAllowedZones(List.of(Zone.INTERNAL))
                        .setRequestedAtMs(now).setDeadlineMs(now + 600_000).build();
                sent.add(producer.send(new ProducerRecord<>(topics.probeRequests(), listener.hostPort().getBytes(StandardCharsets.UTF_8),
                        Records.PROBE_REQUEST.encode(r))));
            }
            producer.flush();
            // A request that was not written would leave the test waiting for its result: say so now.
            for (final java.util.concurrent.Future<?> f : sent) {
                f.get();
            }
        }
        return ids;
    }

    private static Set<String> requestIds(final List<ConsumerRecord<String, byte[]>> records) {
        final Set<String> ids = new HashSet<>();
        records.forEach(r -> ids.add(Records.PROBE_RESULT.decode(r.topic(), r.value()).getRequestId()));
        return ids;
    }

    /** A worker as its own process (the test classpath, the CLI's {@code worker} command), configured by environment. */
    private static Process startWorker(final Map<String, String> settings) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "worker").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        settings.forEach((k, v) -> env.put("MILTERWATCH_" + k.toUpperCase(Locale.ROOT).replace('.', '_'), v));
        // The killed member never says goodbye: a short session lets the group move on quickly.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        return pb.start();
    }
}
