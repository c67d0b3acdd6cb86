package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Setting;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaTestKits;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code milterwatch topics create} with the topic settings of docker-compose.yml's {@code topics}
 * service, against a real three-broker cluster whose own default {@code min.insync.replicas} is
 * 1: every topic comes out with the replication and {@code min.insync.replicas} the deployment
 * asks for, set on the topic itself; a second run changes nothing; a topic that already exists
 * less durable is reported, not silently accepted.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TopicsCommandIT {

    private static KafkaClusterTestKit kit;

    @TempDir
    Path dir;

    @BeforeAll
    static void startThreeBrokers() throws Exception {
        kit = KafkaTestKits.start(KafkaTestKits.builder(3));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kit != null) {
            kit.close();
        }
    }

    @Test
    void shouldCreateEveryTopicAsTheComposeTopicsServiceAsksWhenRunOnThreeBrokers() throws Exception {
        // given: the compose file's topic settings, as a config file
        final Path config = composeTopicSettings();
        final String prefix = KafkaCluster.uniquePrefix("topicscmd");
        final Topics topics = Topics.withPrefix(prefix);
        final String[] args = {"topics", "create", "--bootstrap-servers", kit.bootstrapServers(), "--topic-prefix", prefix,
            "--config", config.toString()};

        // when
        final CliRunner.Result first = CliRunner.run(args);

        // then: every topic created, replicated 3 times, min.insync.replicas 2 on the topic itself
        assertThat(first.code()).as(first.err()).isZero();
        for (final String topic : topics.all()) {
            assertThat(first.out()).containsPattern("(?m)^created +" + topic.replace(".", "\\.")
                    + " +partitions=6 replication=3 min\\.insync\\.replicas=2 ");
        }
        assertThat(first.out()).contains(topics.all().size() + " created, 0 already there");
        assertThat(first.err()).doesNotContain("warning");
        try (Admin admin = kit.admin()) {
            assertThat(TopicAdmin.describe(admin, topics.all())).allSatisfy(t -> {
                assertThat(t.replication()).as(t.name()).isEqualTo(3);
                assertThat(t.minInsyncReplicas()).as(t.name()).isEqualTo(2);
                assertThat(t.partitions()).as(t.name()).isEqualTo(6);
            });
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topics.alertsExposure());
            final ConfigEntry minIsr = admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            assertThat(minIsr.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }

        // when: run again
        final CliRunner.Result second = CliRunner.run(args);
        // then: nothing to do
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("0 created, " + topics.all().size() + " already there");
        assertThat(second.out().lines().filter(l -> l.startsWith("exists "))).hasSize(topics.all().size());
    }

    @Test
    void shouldReportAnExistingTopicThatIsLessDurableThanAsked() throws Exception {
        final Path config = composeTopicSettings();
        final String prefix = KafkaCluster.uniquePrefix("topicsweak");
        final Topics topics = Topics.withPrefix(prefix);
        // given: one topic made earlier by hand, with one replica and the broker's min.insync.replicas
        try (Admin admin = kit.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.alertsExposure(), Optional.of(1), Optional.of((short) 1)))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        // when
        final CliRunner.Result result = CliRunner.run("topics", "create", "--bootstrap-servers", kit.bootstrapServers(),
                "--topic-prefix", prefix, "--config", config.toString());
        // then: the rest is created, that one left alone and named
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains((topics.all().size() - 1) + " created, 1 already there");
        assertThat(result.err()).contains("warning: " + topics.alertsExposure() + " has replication 1, less than topic.replication.factor 3")
                .contains("warning: " + topics.alertsExposure() + " has min.insync.replicas 1, less than topic.min.insync.replicas 2");
    }

    @Test
    void shouldBoundTheHighVolumeTopicsInTimeAndWarnAboutATopicThatKeepsEverything() throws Exception {
        final Path config = composeTopicSettings();
        final String prefix = KafkaCluster.uniquePrefix("topicsretention");
        final Topics topics = Topics.withPrefix(prefix);
        // given: probe results made by an earlier version (broker default retention), raw lines bounded
        // by an operator at 2 h, and a DLQ someone set to keep everything forever
        try (Admin admin = kit.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.probeResults(), Optional.of(1), Optional.of((short) 3)),
                    new NewTopic(topics.firewallRaw(), Optional.of(1), Optional.of((short) 3)).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "7200000")),
                    new NewTopic(topics.dlq(), Optional.of(1), Optional.of((short) 3)).configs(
                            Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1")))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        // when
        final CliRunner.Result result = CliRunner.run("topics", "create", "--bootstrap-servers", kit.bootstrapServers(),
                "--topic-prefix", prefix, "--config", config.toString());
        // then: every high-volume topic bounded at the default 24 h but the two an operator configured
        assertThat(result.code()).as(result.err()).isZero();
        for (final String topic : List.of(topics.probeRequests(), topics.probeResults(), topics.firewallEvents())) {
            assertThat(result.out()).as(topic).containsPattern("(?m)^\\S+ +" + topic.replace(".", "\\.")
                    + " .* cleanup\\.policy=delete retention\\.ms=86400000 retention\\.bytes=-1$");
        }
        assertThat(result.out()).containsPattern("(?m)^exists +" + topics.firewallRaw().replace(".", "\\.") + " .* retention\\.ms=7200000 ");
        // compacted topics are bounded by their keys, not by time
        assertThat(result.out()).containsPattern("(?m)^created +" + topics.targets().replace(".", "\\.") + " .* cleanup\\.policy=compact ");
        // and the unbounded one is named with what to do
        assertThat(result.err()).contains("warning: " + topics.dlq() + " keeps every record forever")
                .doesNotContain("warning: " + topics.probeResults() + " keeps every record forever");
        try (Admin admin = kit.admin()) {
            assertThat(TopicAdmin.describe(admin, topics.all())).allSatisfy(t -> assertThat(t.unbounded()).as(t.name())
                    .isEqualTo(t.name().equals(topics.dlq())));
        }
    }

    @Test
    void shouldRefuseMinInsyncReplicasAboveTheReplicationFactorBeforeContactingKafka() throws Exception {
        // given
        final Path config = dir.resolve("bad.properties");
        Files.writeString(config, "topic.replication.factor=2\ntopic.min.insync.replicas=3\n");
        // when: pointed at a port nothing listens on, so only the check can answer
        final CliRunner.Result result = CliRunner.run("topics", "create", "--bootstrap-servers", "127.0.0.1:1", "--config", config.toString());
        // then
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("topic.min.insync.replicas: value 3 is above topic.replication.factor 2");
    }

    /** The MILTERWATCH_TOPIC_* variables of the compose file's topics service (but the prefix), as a properties file. */
    @SuppressWarnings("unchecked")
    private Path composeTopicSettings() throws Exception {
        final Map<String, Object> compose;
        try (Reader r = Files.newBufferedReader(Path.of("..", "docker-compose.yml"))) {
            compose = new Yaml().load(r);
        }
        final Map<String, Object> topicsService = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("topics");
        final Map<String, Object> env = (Map<String, Object>) topicsService.get("environment");
        final Properties p = new Properties();
        for (final Setting s : List.of(CommonSettings.TOPIC_PARTITIONS, CommonSettings.TOPIC_REPLICATION, CommonSettings.TOPIC_MIN_ISR)) {
            assertThat(env).as("the topics service sets " + s.env()).containsKey(s.env());
            p.setProperty(s.name(), String.valueOf(env.get(s.env())));
        }
        final Path file = dir.resolve("compose-topics.properties");
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, "from docker-compose.yml");
        }
        return file;
    }
}
