package io.milterwatch.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Kafka's own in-JVM KRaft test kit: one dedicated controller and one broker (combined nodes are
 * avoided on purpose; they misbehave in multi-node 4.4 clusters). Single-replica internal topics so
 * that transactions, and with them exactly_once_v2, work on one broker.
 */
final class TestKitCluster implements KafkaClusterExtension.ClosableCluster {

    private final KafkaClusterTestKit kit;

    private TestKitCluster(final KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    static TestKitCluster start() {
        try {
            final KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(false)
                    .setNumControllerNodes(1)
                    .setNumBrokerNodes(1)
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
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
