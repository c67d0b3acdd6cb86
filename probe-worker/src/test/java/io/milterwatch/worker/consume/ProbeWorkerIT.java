package io.milterwatch.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
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
import io.milterwatch.testing.TestTopics;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.testing.MilterEmulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProbeWorkerIT {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProbeWorkerIT.class);

    @Test
    void shouldPublishMilterResultAndDeadLetterGarbageWhenRequestsArrive(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("probeworker");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final WorkerConfig config = WorkerConfig.from(Settings.load(WorkerSettings.all(), null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                        "worker.vantage", "inside-1", "worker.zone", "INTERNAL", "worker.reply.timeout.ms", "1000"), Set.of()));
        try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6);
             ProbeWorker worker = new ProbeWorker(config);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            final Thread thread = new Thread(worker, "worker");
            thread.start();
            final ProbeRequest request = request("req-1", milter, 60_000);
            // when
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes("bad"), bytes("not a probe request"))).get();
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(milter.hostPort()), Records.PROBE_REQUEST.encode(request))).get();
            // then
            final List<ConsumerRecord<byte[], byte[]>> results = TestTopics.readAtLeast(cluster, topics.probeResults(), 1);
            final ProbeResult result = Records.PROBE_RESULT.decode(topics.probeResults(), results.get(0).value());
            assertThat(new String(results.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("127.0.0.1:" + milter.port());
            assertThat(result.getOutcome()).isEqualTo(Outcome.MILTER);
            assertThat(result.getVantage()).isEqualTo("inside-1");
            assertThat(result.getZone()).isEqualTo(Zone.INTERNAL);
            assertThat(result.getRequestId()).isEqualTo("req-1");
            final List<ConsumerRecord<byte[], byte[]>> dead = TestTopics.readAtLeast(cluster, topics.dlq(), 1);
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not a probe request");
            assertThat(Dlq.header(dead.get(0).headers(), Dlq.REASON)).contains("not Avro single-object encoding");
            assertThat(Dlq.header(dead.get(0).headers(), Dlq.SOURCE_TOPIC)).isEqualTo(topics.probeRequests());
            assertThat(Dlq.header(dead.get(0).headers(), Dlq.SOURCE_OFFSET)).isEqualTo("0");
            // and: offsets are committed once the results are acknowledged
            try (Admin admin = cluster.admin()) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(admin.listConsumerGroupOffsets(config.groupId())
                        .partitionsToOffsetAndMetadata().get().values()).anySatisfy(o -> assertThat(o.offset()).isEqualTo(2)));
            }
            worker.close();
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    @Test
    void shouldBackOffInsteadOfHammeringTheTargetWhenResultsCannotBeWritten(final KafkaCluster cluster) throws Exception {
        // given: a results topic that refuses every result (records larger than 64 bytes)
        final String prefix = KafkaCluster.uniquePrefix("backoff");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
            admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.probeResults()), List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                            org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "64"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
        }
        final WorkerConfig config = WorkerConfig.from(Settings.load(WorkerSettings.all(), null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "worker.vantage", "backoff-1"), Set.of()));
        try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6);
             ProbeWorker worker = new ProbeWorker(config);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            final Thread thread = new Thread(worker, "worker");
            thread.start();
            final ProbeRequest request = request("req-b", milter, 600_000);
            // when
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(milter.hostPort()), Records.PROBE_REQUEST.encode(request))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> milter.received().size() >= 2);
            final int seen = milter.received().size();
            // then: the batch is retried, but with growing pauses (0.5 s, 1 s, 2 s, ...), not in a tight loop.
            // A fixed window is right here: the assertion is how many attempts fit into it.
            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> true);
            final int afterFourSeconds = milter.received().size() - seen;
            assertThat(afterFourSeconds).as("probes of the same target in 4 s while results cannot be written").isBetween(1, 3);
            worker.close();
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    @Test
    void shouldStayInTheGroupAndProbeOnceWhenABatchOutlastsMaxPollInterval(final KafkaCluster cluster) throws Exception {
        // given: a silent port (three handshakes of 1.5 s each: 4.5 s) and a consumer allowed 1.5 s between polls
        final String prefix = KafkaCluster.uniquePrefix("slowbatch");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final WorkerConfig config = WorkerConfig.from(Settings.load(WorkerSettings.all(), null, Map.of("KAFKA_MAX_POLL_INTERVAL_MS", "1500"),
                Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "worker.vantage", "slow-1",
                        "worker.reply.timeout.ms", "1500"), Set.of("max.poll.interval.ms")));
        try (MilterEmulator silent = MilterEmulator.start(MilterEmulator.Behaviour.SILENT);
             ProbeWorker worker = new ProbeWorker(config);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            final Thread thread = new Thread(worker, "worker");
            thread.start();
            final ProbeRequest request = request("req-slow", silent, 600_000);
            // when
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(silent.hostPort()), Records.PROBE_REQUEST.encode(request))).get();
            final List<ProbeResult> results = TestTopics.readAtLeast(cluster, topics.probeResults(), 1).stream()
                    .map(r -> Records.PROBE_RESULT.decode(r.topic(), r.value())).toList();
            assertThat(results).singleElement().satisfies(r -> assertThat(r.getOutcome()).isEqualTo(Outcome.OPEN_SILENT));
            // then: the worker kept its membership while probing (no re-delivery, no second probe of the port),
            // committed, and is still running
            await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);
            assertThat(worker.keepAlivePolls()).isPositive();
            assertThat(silent.accepted()).as("connections: one probe of three handshakes").isEqualTo(3);
            assertThat(TestTopics.readAtLeast(cluster, topics.probeResults(), 1)).as("results of the one request").hasSize(1);
            assertThat(thread.isAlive()).isTrue();
            worker.close();
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    @Test
    void shouldPublishAFastTargetsResultBeforeSlowTargetsEndAndCommitOnlyInOrder(final KafkaCluster cluster) throws Exception {
        // given: a target that accepts and never reads, one that trickles its reply a byte a second, and a real milter
        final String prefix = KafkaCluster.uniquePrefix("slowfast");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final WorkerConfig config = WorkerConfig.from(Settings.load(WorkerSettings.all(), null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "worker.vantage", "mixed-1",
                        "worker.zone", "INTERNAL", "worker.reply.timeout.ms", "4000"), Set.of()));
        try (MilterEmulator neverReads = MilterEmulator.start(MilterEmulator.Behaviour.NEVER_READS);
             MilterEmulator trickle = MilterEmulator.start(MilterEmulator.Behaviour.TRICKLE);
             MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6);
             ProbeWorker worker = new ProbeWorker(config);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
             Admin admin = cluster.admin()) {
            final Thread thread = new Thread(worker, "worker");
            thread.start();
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(neverReads.hostPort()),
                    Records.PROBE_REQUEST.encode(request("req-never-reads", neverReads, 600_000)))).get();
            producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(trickle.hostPort()),
                    Records.PROBE_REQUEST.encode(request("req-trickle", trickle, 600_000)))).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> neverReads.accepted() >= 1 && trickle.accepted() >= 1);
            // when: a new milter is to be probed while the worker is busy with the slow two
            final long requestedAt = producer.send(new ProducerRecord<>(topics.probeRequests(), bytes(milter.hostPort()),
                    Records.PROBE_REQUEST.encode(request("req-fast", milter, 600_000)))).get().timestamp();
            // then: its result is the first one published, ahead of both slow targets' ...
            final ConsumerRecord<byte[], byte[]> firstRecord = TestTopics.readAtLeast(cluster, topics.probeResults(), 1).get(0);
            final ProbeResult first = Records.PROBE_RESULT.decode(topics.probeResults(), firstRecord.value());
            // a figure for the report, not an assertion
            LOG.info("first result ({}) published {} ms after the fast request", first.getRequestId(), firstRecord.timestamp() - requestedAt);
            assertThat(first.getRequestId()).as("the first result published").isEqualTo("req-fast");
            assertThat(first.getOutcome()).isEqualTo(Outcome.MILTER);
            // ... and its offset (2) is not committed past the slow requests (0 and 1) still in flight
            final Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> early =
                    admin.listConsumerGroupOffsets(config.groupId()).partitionsToOffsetAndMetadata().get();
            assertThat(early.values()).as("committed offsets while the slow probes run")
                    .allSatisfy(o -> assertThat(o == null ? 0 : o.offset()).isZero());
            // and: once the slow ones end, all three results are there and the offsets are committed to the end
            final List<String> ids = TestTopics.readAtLeast(cluster, topics.probeResults(), 3).stream()
                    .map(r -> Records.PROBE_RESULT.decode(r.topic(), r.value()).getRequestId()).toList();
            assertThat(ids).hasSize(3).startsWith("req-fast").contains("req-never-reads", "req-trickle");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(admin.listConsumerGroupOffsets(config.groupId())
                    .partitionsToOffsetAndMetadata().get().values()).singleElement().satisfies(o -> assertThat(o.offset()).isEqualTo(3)));
            worker.close();
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }


    /** A manual request to probe one loopback emulator, valid for {@code validMs}. */
    private static ProbeRequest request(final String id, final MilterEmulator target, final long validMs) {
        return ProbeRequest.newBuilder().setRequestId(id).setTargetId(target.hostPort())
                .setHost("127.0.0.1").setPorts(List.of(target.port())).setReason(ProbeReason.MANUAL)
                .setAllowedZones(List.of(Zone.INTERNAL)).setRequestedAtMs(System.currentTimeMillis())
                .setDeadlineMs(System.currentTimeMillis() + validMs).build();
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
