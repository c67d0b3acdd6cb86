package io.milterwatch.testing;

import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** A real Kafka cluster for an integration test; which kind is the harness's business. */
public interface KafkaCluster {

    String bootstrapServers();

    /** "testkit" or "testcontainers". */
    String kind();

    default Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** A topic prefix no other test uses, so tests never see each other's records. */
    static String uniquePrefix(final String testName) {
        return "t-" + testName.replaceAll("[^a-zA-Z0-9]", "").toLowerCase(java.util.Locale.ROOT) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
