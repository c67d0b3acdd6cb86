package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaTestKits;
import io.milterwatch.testing.MilterEmulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that accepts only SASL (SCRAM-SHA-256 for us) and authorises with ACLs: the stream processor, the probe worker,
 * the topic creation and the CLI reach it with the security settings given the documented ways
 * (KAFKA_* environment variables for the apps, {@code kafka.*} keys in a --config file for the CLI),
 * and the whole skeleton path works. With a wrong password the CLI fails and says so, without
 * printing the secret.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ScramClusterIT {

    private static final String USER = "milterwatch";
    private static final String PASSWORD = "s3cret-Scram-pass";

    @TempDir
    Path dir;

    @Test
    void shouldRunTheSkeletonPathWhenEveryClientAuthenticatesWithScram() throws Exception {
        try (KafkaClusterTestKit kit = saslCluster()) {
            try (Admin admin = kit.admin()) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), PASSWORD))).all().get(30, TimeUnit.SECONDS);
            }
            final String bootstrap = kit.bootstrapServers();
            final String prefix = KafkaCluster.uniquePrefix("scram");
            // The broker authorises: our user gets what the pipeline needs, on its own topics only.
            try (Admin admin = kit.admin()) {
                final String principal = "User:" + USER;
                admin.createAcls(List.of(
                        acl(ResourceType.TOPIC, prefix, PatternType.PREFIXED, principal),
                        acl(ResourceType.GROUP, "*", PatternType.LITERAL, principal),
                        acl(ResourceType.TRANSACTIONAL_ID, "*", PatternType.LITERAL, principal),
                        acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, principal))).all().get(30, TimeUnit.SECONDS);
            }
            final String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                    + PASSWORD + "\";";
            // the apps: security settings from the environment
            final Map<String, String> env = Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-256",
                    "KAFKA_SASL_JAAS_CONFIG", jaas, "MILTERWATCH_BOOTSTRAP_SERVERS", bootstrap, "MILTERWATCH_TOPIC_PREFIX", prefix,
                    "MILTERWATCH_PROCESSOR_STATE_DIR", dir.resolve("streams").toString(), "MILTERWATCH_PROCESSOR_APPLICATION_ID", prefix + "-app",
                    "MILTERWATCH_PROCESSOR_HTTP_PORT", "0", "MILTERWATCH_WORKER_HTTP_PORT", "0", "MILTERWATCH_WORKER_REPLY_TIMEOUT_MS", "2000");
            final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, env, Map.of(), ConnectionOptions.KAFKA_NAMES);
            assertThat(settings.kafkaOverrides()).containsEntry("sasl.mechanism", "SCRAM-SHA-256");
            // the CLI: the same settings from a --config file
            final Path good = dir.resolve("good.properties");
            Files.writeString(good, "bootstrap.servers=" + bootstrap + "\ntopic.prefix=" + prefix + "\nkafka.security.protocol=SASL_PLAINTEXT\n"
                    + "kafka.sasl.mechanism=SCRAM-SHA-256\nkafka.sasl.jaas.config=" + jaas.replace("\\", "\\\\") + "\n");
            try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6);
                 Pipeline pipeline = Pipeline.start(settings, true, true)) {
                // when
                final CliRunner.Result add = cli("targets", "add", "--config", good.toString(), milter.hostPort());
                assertThat(add.code()).as(add.err()).isZero();
                // then
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    final CliRunner.Result alerts = cli("alerts", "--json", "--config", good.toString());
                    assertThat(alerts.code()).as(alerts.err()).isZero();
                    assertThat(alerts.out()).contains("\"toState\":\"EXPOSED\"").contains(milter.hostPort());
                });

                // and: a wrong password is refused, with a clear message and no secret in it
                final Path bad = dir.resolve("bad.properties");
                Files.writeString(bad, Files.readString(good).replace(PASSWORD, "wrong-" + PASSWORD));
                final CliRunner.Result refused = cli("targets", "add", "--config", bad.toString(), milter.hostPort());
                assertThat(refused.code()).isNotZero();
                assertThat(refused.err()).containsIgnoringCase("authentication").doesNotContain(PASSWORD);
            }
        }
    }

    private static AclBinding acl(final ResourceType type, final String name, final PatternType pattern, final String principal) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", AclOperation.ALL,
                AclPermissionType.ALLOW));
    }

    private static CliRunner.Result cli(final String... args) {
        return CliRunner.run(args);
    }

    private static KafkaClusterTestKit saslCluster() throws Exception {
        return KafkaTestKits.start(KafkaTestKits.builder(new TestKitNodes.Builder().setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT), 1)
                .setConfigProp("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256")
                .setConfigProp("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .setConfigProp("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .setConfigProp("super.users", "User:plain-admin;User:ANONYMOUS"));
    }

}
