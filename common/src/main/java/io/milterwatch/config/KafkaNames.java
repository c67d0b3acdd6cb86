package io.milterwatch.config;

import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Kafka client property names: the names {@code KAFKA_*} variables may set. The clients' own names
 * live here; a role that runs Kafka Streams adds {@code StreamsConfig}'s (see {@link #with}).
 */
public final class KafkaNames {

    /** Producer, consumer and admin client property names. */
    public static final Set<String> CLIENTS = clientNames();

    private KafkaNames() {
    }

    /** The client names plus {@code more} (e.g. {@code StreamsConfig.configDef().names()}). */
    public static Set<String> with(final Set<String> more) {
        final Set<String> names = new HashSet<>(CLIENTS);
        names.addAll(more);
        return Set.copyOf(names);
    }

    private static Set<String> clientNames() {
        final Set<String> names = new HashSet<>();
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }
}
