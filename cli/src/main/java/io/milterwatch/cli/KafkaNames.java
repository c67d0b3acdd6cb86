package io.milterwatch.cli;

import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Every Kafka client property name our clients accept: the names {@code KAFKA_*} variables may set. */
final class KafkaNames {

    static final Set<String> ALL = names();

    private KafkaNames() {
    }

    private static Set<String> names() {
        final Set<String> names = new HashSet<>();
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        names.addAll(StreamsConfig.configDef().names());
        return Set.copyOf(names);
    }
}
