package io.milterwatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.milterwatch.testing.KafkaCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads a whole topic (committed records only) for integration tests, through the CLI's own reader. */
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
}
