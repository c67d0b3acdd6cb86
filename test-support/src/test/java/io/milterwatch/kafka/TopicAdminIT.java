package io.milterwatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
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
            // a created topic reaches every broker's metadata shortly after the controller committed it
            // (a busy container broker answered UnknownTopicOrPartition in between)
            final var resource = new ConfigResource(ConfigResource.Type.TOPIC, topics.exposureState());
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(ExecutionException.class).untilAsserted(() -> {
                final var config = admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource);
                assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
                final var desc = admin.describeTopics(java.util.List.of(topics.probeResults())).allTopicNames().get();
                assertThat(desc.get(topics.probeResults()).partitions()).hasSize(2);
            });
        }
    }

    @Test
    void shouldSetMinInsyncReplicasOnEveryCreatedTopicWhenAsked(final KafkaCluster cluster) throws Exception {
        // given
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("topicadmin-isr"));
        try (Admin admin = cluster.admin()) {
            // when
            TopicAdmin.ensureTopics(admin, topics, 1, (short) 1, 1);
            // then: set on the topic itself, not inherited from the broker
            final var infos = TopicAdmin.describe(admin, topics.all());
            assertThat(infos).extracting(TopicAdmin.TopicInfo::name).containsExactlyElementsOf(topics.all());
            assertThat(infos).allSatisfy(t -> {
                assertThat(t.replication()).isEqualTo(1);
                assertThat(t.minInsyncReplicas()).isEqualTo(1);
                assertThat(t.partitions()).isEqualTo(1);
            });
            assertThat(infos).filteredOn(t -> topics.compacted().contains(t.name())).isNotEmpty()
                    .allSatisfy(t -> assertThat(t.cleanupPolicy()).isEqualTo("compact"));
            final var resource = new ConfigResource(ConfigResource.Type.TOPIC, topics.probeResults());
            final var entry = admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            assertThat(entry.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }

    @Test
    void shouldRefuseMinInsyncReplicasAboveTheReplicationFactorWithoutCreatingAnything(final KafkaCluster cluster) throws Exception {
        // given
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("topicadmin-badisr"));
        try (Admin admin = cluster.admin()) {
            // when / then
            assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, topics, 1, (short) 1, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min.insync.replicas 2");
            assertThat(admin.listTopics().names().get()).doesNotContainAnyElementsOf(topics.all());
        }
    }
}
