package io.milterwatch.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * Kafka's own in-JVM KRaft test kit: one dedicated controller and one broker, set up by
 * {@link KafkaTestKits}.
 */
final class TestKitCluster implements KafkaClusterExtension.ClosableCluster {

    private final KafkaClusterTestKit kit;

    private TestKitCluster(final KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    static TestKitCluster start() {
        try {
            final KafkaClusterTestKit kit = KafkaTestKits.start(KafkaTestKits.builder(1));
            return new TestKitCluster(kit);
        } catch (final Exception e) {
            throw new IllegalStateException("cannot start the in-JVM Kafka test kit: " + e.getMessage(), e);
        }
    }

    @Override
    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    @Override
    public String kind() {
        return "testkit";
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
