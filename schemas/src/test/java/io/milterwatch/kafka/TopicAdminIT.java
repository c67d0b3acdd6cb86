package io.milterwatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicAdminIT {

    @Test
    void shouldCreateEveryTopicOnceWithCompactionWhereNeeded(final KafkaCluster cluster) throws Exception {
        // given
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("topicadmin"));
        try (Admin admin = cluster.admin()) {
            // when
            final var first = TopicAdmin.ensureTopics(admin, topics, 2, (short) -1);
            final var second = TopicAdmin.ensureTopics(admin, topics, 2, (short) -1);
            // then
            assertThat(first).containsExactlyInAnyOrderElementsOf(topics.all());
            assertThat(second).isEmpty();
            final var resource = new ConfigResource(ConfigResource.Type.TOPIC, topics.exposureState());
            final var config = admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
            final var desc = admin.describeTopics(java.util.List.of(topics.probeResults())).allTopicNames().get();
            assertThat(desc.get(topics.probeResults()).partitions()).hasSize(2);
        }
    }
}
