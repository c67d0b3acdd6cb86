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

}
