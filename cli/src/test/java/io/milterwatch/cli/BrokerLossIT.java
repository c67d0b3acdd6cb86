package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.MilterEmulator;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import io.milterwatch.testing.KafkaTestKits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-broker cluster (dedicated controller) with replication 3 and min.insync.replicas 2 loses
 * a broker while targets keep arriving, then gets it back: the pipeline keeps running and every
 * target still gets its one exposure alert. Needs its own multi-broker cluster, so it uses Kafka's
 * in-JVM test kit directly rather than the shared single-broker harness.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BrokerLossIT {

    private static final int PER_PHASE = 6;

    @TempDir
    Path stateDir;

    @Test
    void shouldKeepAlertingWithoutLossWhenOneOfThreeBrokersGoesAwayAndReturns() throws Exception {
        try (KafkaClusterTestKit kit = threeBrokers()) {
            final String bootstrap = kit.bootstrapServers();
            final String prefix = KafkaCluster.uniquePrefix("brokerloss");
            final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers", bootstrap,
                    "topic.prefix", prefix, "topic.replication.factor", "3", "processor.state.dir", stateDir.toString(),
                    "processor.application.id", prefix + "-processor", "processor.http.port", "0", "worker.http.port", "0",
                    "worker.reply.timeout.ms", "2000"),
                    ConnectionOptions.KAFKA_NAMES);
            final List<MilterEmulator> milters = new ArrayList<>();
            try (Pipeline pipeline = Pipeline.start(settings, true, true)) {
                for (int i = 0; i < 3 * PER_PHASE; i++) {
                    milters.add(MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6));
                }
                // given: a healthy cluster
                addTargets(bootstrap, prefix, milters.subList(0, PER_PHASE));
                awaitAlerts(bootstrap, pipeline.topics(), PER_PHASE);
                // when: a broker goes away, and targets keep coming
                final BrokerServer lost = kit.brokers().values().iterator().next();
                lost.shutdown();
                lost.awaitShutdown();
                addTargets(bootstrap, prefix, milters.subList(PER_PHASE, 2 * PER_PHASE));
                // then: still alerting on two brokers
                awaitAlerts(bootstrap, pipeline.topics(), 2 * PER_PHASE);
                // when: it comes back
                lost.startup();
                addTargets(bootstrap, prefix, milters.subList(2 * PER_PHASE, 3 * PER_PHASE));
                // then: every target has exactly one exposure alert
                final List<Alert> alerts = awaitAlerts(bootstrap, pipeline.topics(), 3 * PER_PHASE);
                assertThat(alerts).hasSize(3 * PER_PHASE).allSatisfy(a -> assertThat(a.getToState()).isEqualTo(Exposure.EXPOSED));
                final Set<String> keys = new HashSet<>();
                alerts.forEach(a -> keys.add(a.getKey()));
                assertThat(keys).hasSize(3 * PER_PHASE);
            } finally {
                for (final MilterEmulator m : milters) {
                    m.close();
                }
            }
        }
    }

    private static void addTargets(final String bootstrap, final String prefix, final List<MilterEmulator> milters) {
        final List<String> args = new ArrayList<>(List.of("targets", "add", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix));
        milters.forEach(m -> args.add(m.hostPort()));
        assertThat(Main.commandLine().execute(args.toArray(String[]::new))).isZero();
    }

    private static List<Alert> awaitAlerts(final String bootstrap, final Topics topics, final int n) {
        final List<Alert> alerts = new ArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            alerts.clear();
            try (TopicReader reader = new TopicReader(bootstrap, Map.of())) {
                reader.read(List.of(topics.alertsExposure()), false, () -> true,
                        (ConsumerRecord<String, byte[]> r) -> alerts.add(Records.ALERT.decode(r.topic(), r.value())));
            }
            return alerts.size() >= n;
        });
        return alerts;
    }

    private static KafkaClusterTestKit threeBrokers() throws Exception {
        return KafkaTestKits.start(KafkaTestKits.builder(3)
                .setConfigProp("default.replication.factor", "3")
                .setConfigProp("min.insync.replicas", "2"));
    }
}
