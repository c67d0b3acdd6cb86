package io.milterwatch.cli;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.milterwatch.testing.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Reading what the pipeline wrote, for integration tests. */
final class SkeletonEndToEndITSupport {

    private SkeletonEndToEndITSupport() {
    }

    static List<ConsumerRecord<String, byte[]>> read(final KafkaCluster cluster, final String topic) {
        final List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (TopicReader reader = new TopicReader(cluster.bootstrapServers(), Map.of())) {
            reader.read(List.of(topic), false, () -> true, out::add);
        }
        return out;
    }

    /** Waits until the group's committed offsets reach the end of every partition of the topics (committed records). */
    static void awaitCaughtUp(final KafkaCluster cluster, final String group, final List<String> topics, final Duration atMost) {
        try (Admin admin = cluster.admin()) {
            await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
                final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions().forEach(p ->
                        latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
                final var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
                final var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset());
            });
        }
    }
}
