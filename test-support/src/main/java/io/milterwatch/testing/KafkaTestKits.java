package io.milterwatch.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Kafka's in-JVM KRaft test kit, configured the way every test of ours needs it: dedicated
 * controller nodes (combined nodes misbehave in multi-node 4.4 clusters), no rebalance delay, no
 * topic auto-creation, and internal topics replicated as far as the broker count allows so that
 * transactions (exactly_once_v2) work.
 */
public final class KafkaTestKits {

    private KafkaTestKits() {
    }

    /** A builder with our defaults; add or override properties, then {@link #start}. */
    public static KafkaClusterTestKit.Builder builder(final TestKitNodes.Builder nodes, final int brokers) {
        final String replicas = Integer.toString(Math.min(brokers, 3));
        return new KafkaClusterTestKit.Builder(nodes.setCombined(false).setNumControllerNodes(1).setNumBrokerNodes(brokers).build())
                .setConfigProp("offsets.topic.replication.factor", replicas)
                .setConfigProp("transaction.state.log.replication.factor", replicas)
                .setConfigProp("transaction.state.log.min.isr", Integer.toString(Math.max(1, Math.min(brokers, 3) - 1)))
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false");
    }

    public static KafkaClusterTestKit.Builder builder(final int brokers) {
        return builder(new TestKitNodes.Builder(), brokers);
    }

    public static KafkaClusterTestKit start(final KafkaClusterTestKit.Builder builder) throws Exception {
        final KafkaClusterTestKit kit = builder.build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }
}
