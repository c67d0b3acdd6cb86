package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
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
 * The stream processor, as a separate process (the shaded jar's {@code processor} command), is
 * killed with SIGKILL in the middle of a stream of probe results and firewall lines (18,000) and
 * started again on an empty state directory, so that its stores are rebuilt from their changelogs.
 * Every endpoint must end with exactly its three alerts (EXPOSED, REMEDIATED, REGRESSED): none
 * lost, none duplicated; and its state whole: every firewall line counted exactly once.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CrashRestartIT {

    private static final int ENDPOINTS = 150;
    private static final int LINES_PER_STEP = 40;

    @TempDir
    Path first;
    @TempDir
    Path second;

    @Test
    void shouldNeitherLoseNorRepeatAlertsWhenTheProcessorIsKilledMidStream(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("crash");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        Process processor = startProcessor(cluster, prefix, first);
        final AtomicBoolean failed = new AtomicBoolean();
        final Thread feeder = new Thread(() -> feed(cluster, topics, failed), "feeder");
        try {
            // when: results stream in, and the processor dies mid-stream
            feeder.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> alerts(cluster, topics).size() >= ENDPOINTS / 2);
            processor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(processor.isAlive()).isFalse();
            final int seenAtKill = alerts(cluster, topics).size();
            processor = startProcessor(cluster, prefix, second);
            feeder.join(120_000);
            assertThat(failed).isFalse();

            // then: every endpoint ends with exactly its three alerts
            final int expected = ENDPOINTS * 3;
            await().atMost(Duration.ofSeconds(180)).until(() -> alerts(cluster, topics).size() >= expected);
            final List<Alert> alerts = alerts(cluster, topics);
            assertThat(seenAtKill).isLessThan(expected);
            final Set<String> ids = new HashSet<>();
            alerts.forEach(a -> assertThat(ids.add(a.getAlertId())).as("duplicate alert " + a.getAlertId()).isTrue());
            assertThat(alerts).hasSize(expected);
            for (int i = 0; i < ENDPOINTS; i++) {
                final String key = ip(i) + ":8891";
                assertThat(alerts.stream().filter(a -> a.getKey().equals(key)).map(Alert::getToState).toList())
                        .as(key).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED);
            }
            // and: the state is whole, once the processor has consumed every input
            awaitCaughtUp(cluster, prefix + "-processor", List.of(topics.probeResults(), topics.firewallRaw(), topics.firewallEvents()));
            final Map<String, ExposureState> latest = new HashMap<>();
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topics.exposureState())) {
                latest.put(r.key(), Records.EXPOSURE_STATE.decode(r.topic(), r.value()));
            }
            assertThat(latest).hasSize(ENDPOINTS);
            assertThat(latest.values()).allSatisfy(s -> {
                assertThat(s.getState()).isEqualTo(Exposure.REGRESSED);
                assertThat(s.getTransitions()).isEqualTo(4);
                assertThat(s.getVantages()).containsOnlyKeys("inside", "outside");
                // every firewall line counted exactly once across the crash
                assertThat(s.getBlockedFromDisallowed()).as(s.getKey()).isEqualTo(3L * LINES_PER_STEP);
                assertThat(s.getLateFirewallEvents()).isZero();
            });
        } finally {
            feeder.interrupt();
            processor.destroy();
            processor.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Four results per endpoint, in order: inside MILTER, outside MILTER, outside FILTERED, outside
     * MILTER; after each of the last three, {@link #LINES_PER_STEP} firewall lines blocking an
     * outside source to that endpoint, onto the raw topic.
     */
    private static void feed(final KafkaCluster cluster, final Topics topics, final AtomicBoolean failed) {
        final Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            final Object[][] steps = {{"inside", Zone.INTERNAL, Outcome.MILTER}, {"outside", Zone.EXTERNAL, Outcome.MILTER},
                    {"outside", Zone.EXTERNAL, Outcome.FILTERED}, {"outside", Zone.EXTERNAL, Outcome.MILTER}};
            long t = System.currentTimeMillis();
            for (int s = 0; s < steps.length; s++) {
                final Object[] step = steps[s];
                if (s == 1) {
                    // Lines count only for watched endpoints: wait until every endpoint has a state, and give
                    // the processor's global store of watched endpoints a moment to read it.
                    await().atMost(Duration.ofSeconds(60)).until(() -> SkeletonEndToEndITSupport.read(cluster, topics.exposureState())
                            .stream().map(ConsumerRecord::key).distinct().count() == ENDPOINTS);
                    TimeUnit.SECONDS.sleep(1);
                }
                for (int i = 0; i < ENDPOINTS; i++) {
                    final ProbeResult r = ProbeResult.newBuilder().setRequestId("r-" + i + "-" + t).setTargetId(ip(i) + ":8891")
                            .setHost(ip(i)).setIp(ip(i)).setPort(8891).setVantage((String) step[0]).setZone((Zone) step[1])
                            .setOutcome((Outcome) step[2])
                            .setMilter(step[2] == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                            .setTotalMs(1).setProbedAtMs(t++).build();
                    producer.send(new ProducerRecord<>(topics.probeResults(), ip(i) + ":8891", Records.PROBE_RESULT.encode(r)));
                    for (int l = 0; s > 0 && l < LINES_PER_STEP; l++) {
                        producer.send(new ProducerRecord<>(topics.firewallRaw(), null, BenchStreamsCommand.line(System.currentTimeMillis(),
                                "203.0.113." + (l % 250 + 1), ip(i), 8891, "BLOCK").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    }
                    if (i % 5 == 0) {
                        producer.flush();
                        // a steady stream (about 6 s in all) rather than one burst, so that the kill lands mid-stream
                        TimeUnit.MILLISECONDS.sleep(50);
                    }
                }
            }
            producer.flush();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final RuntimeException e) {
            failed.set(true);
            throw e;
        }
    }

    /** Until the group's committed offsets reach the end of every partition of the topics. */
    private static void awaitCaughtUp(final KafkaCluster cluster, final String group, final List<String> topics) throws Exception {
        try (Admin admin = cluster.admin()) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                final Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions().forEach(p ->
                        latest.put(new org.apache.kafka.common.TopicPartition(name, p.partition()),
                                org.apache.kafka.clients.admin.OffsetSpec.latest())));
                final var ends = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                final var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset());
            });
        }
    }

    private static String ip(final int i) {
        return "198.18." + (i / 250) + "." + (i % 250 + 1);
    }

    private static List<Alert> alerts(final KafkaCluster cluster, final Topics topics) {
        final List<Alert> out = new ArrayList<>();
        for (final String topic : topics.alerts()) {
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topic)) {
                out.add(Records.ALERT.decode(r.topic(), r.value()));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Alert::getCreatedAtMs));
        return out;
    }

    private static Process startProcessor(final KafkaCluster cluster, final String prefix, final Path stateDir) throws Exception {
        final Path jar = Path.of("target", "milterwatch.jar");
        assertThat(jar).as("the shaded jar is built in the package phase, before integration tests").exists();
        final String java = ProcessHandle.current().info().command().orElse("java");
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "processor");
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        env.put("MILTERWATCH_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("MILTERWATCH_TOPIC_PREFIX", prefix);
        env.put("MILTERWATCH_PROCESSOR_APPLICATION_ID", prefix + "-processor");
        env.put("MILTERWATCH_PROCESSOR_STATE_DIR", stateDir.toString());
        env.put("MILTERWATCH_PROCESSOR_HTTP_PORT", "0");
        // The killed member never says goodbye: a short session lets the group move on quickly.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        final File log = Files.createTempFile("processor", ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
    }
}
