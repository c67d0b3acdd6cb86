package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ship-logs' shipper on a real broker: every line, in order, across a rotation, keyed by the device. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShipLogsIT {

    @TempDir
    Path dir;

    @Test
    void shouldShipAFinishedFileToItsLastLineAndExitWhenRunOnce(final KafkaCluster cluster) throws Exception {
        // given: a finished log whose last line has no newline
        final String prefix = KafkaCluster.uniquePrefix("shiponce");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final Path log = dir.resolve("archived.log");
        Files.writeString(log, "one\ntwo\nthree", StandardCharsets.UTF_8);

        // when: shipped once, as a user types it
        final CliRunner.Result r = CliRunner.run("ship-logs", "--once", "--device", "fw-9", "--bootstrap-servers", cluster.bootstrapServers(),
                "--topic-prefix", prefix, log.toString());

        // then: it exits by itself, every line acknowledged, and says how many
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("shipped 3 line(s) of " + log);
        final List<ConsumerRecord<byte[], byte[]>> records = TestTopics.readAtLeast(cluster, topics.firewallRaw(), 3);
        assertThat(records).extracting(x -> new String(x.value(), StandardCharsets.UTF_8)).containsExactly("one", "two", "three");
        assertThat(records).extracting(x -> new String(x.key(), StandardCharsets.UTF_8)).containsOnly("fw-9");
    }

    @Test
    void shouldSendEveryLineInOrderWhenTheFileGrowsAndRotates(final KafkaCluster cluster) throws Exception {
        // given
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("shiplogs"));
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers()), ConnectionOptions.KAFKA_NAMES);
        final Path log = dir.resolve("fw.log");
        Files.writeString(log, "one\ntwo\n", StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = ShipLogsCommand.producer(settings);
             LogShipper shipper = new LogShipper(log, true, "fw-1", producer, topics.firewallRaw()).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> shipper.lines() == 2);

            // when
            Files.move(log, dir.resolve("fw.log.1"));
            Files.writeString(log, "three\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE);
            await().atMost(Duration.ofSeconds(10)).until(() -> shipper.lines() == 3);
            producer.flush();

            // then
            final List<ConsumerRecord<byte[], byte[]>> records = TestTopics.readAtLeast(cluster, topics.firewallRaw(), 3);
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("one", "two", "three");
            assertThat(records).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).containsOnly("fw-1");
            assertThat(shipper.failure()).isNull();
        }
    }


    @Test
    void shouldSendALineTooLongForKafkaToTheDlqAndShipTheLinesAfterItWhenOneLineIsOverOneMegabyte(final KafkaCluster cluster)
            throws Exception {
        // given: a 1.5 MB line between two short ones; one run that cuts it at the default maximum, one that leaves
        // it to the producer, which refuses it (RecordTooLargeException)
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("shiplong"));
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers()), ConnectionOptions.KAFKA_NAMES);
        final Path log = dir.resolve("fw.log");
        final String huge = "y".repeat(1_500_000);
        Files.writeString(log, "before\n" + huge + "\nafter\n", StandardCharsets.UTF_8);

        for (final int maxLineBytes : new int[] {LogShipper.DEFAULT_MAX_LINE_BYTES, 4_000_000}) {
            try (KafkaProducer<byte[], byte[]> producer = ShipLogsCommand.producer(settings);
                 LogShipper shipper = new LogShipper(log, true, "fw-1", producer, topics.firewallRaw(), topics.dlq(), maxLineBytes)
                         .start()) {
                // when
                await().atMost(Duration.ofSeconds(30)).until(() -> shipper.lines() == 3 && shipper.deadLettered() == 1
                        || shipper.failure() != null);
                producer.flush();

                // then
                assertThat(shipper.failure()).isNull();
                assertThat(shipper.awaitFailure(Duration.ofMillis(10))).as("still shipping").isTrue();
            }
        }
        final List<ConsumerRecord<byte[], byte[]>> shipped = TestTopics.readAtLeast(cluster, topics.firewallRaw(), 4);
        assertThat(shipped).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("before", "after", "before", "after");
        final List<ConsumerRecord<byte[], byte[]>> dead = TestTopics.readAtLeast(cluster, topics.dlq(), 2);
        assertThat(dead).hasSize(2);
        for (final ConsumerRecord<byte[], byte[]> r : dead) {
            assertThat(r.value().length).isLessThanOrEqualTo(Dlq.MAX_VALUE_BYTES);
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).startsWith("yyyy");
            assertThat(Dlq.header(r.headers(), Dlq.STAGE)).isEqualTo("ship-logs");
            assertThat(Dlq.header(r.headers(), Dlq.SOURCE_FILE)).isEqualTo(log.toString());
            assertThat(Dlq.header(r.headers(), Dlq.SOURCE_FILE_OFFSET)).isEqualTo("7");
            assertThat(Dlq.header(r.headers(), Dlq.ORIGINAL_VALUE_BYTES)).isEqualTo("1500000");
            assertThat(Dlq.header(r.headers(), Dlq.REASON)).contains("1500000 bytes");
        }
        assertThat(Dlq.header(dead.get(1).headers(), Dlq.REASON)).contains("Kafka refused");
    }
}
