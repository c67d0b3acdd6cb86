package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's commands against a real broker, as typed: {@code targets import} from a file and
 * from standard input (bad lines reported by number, the good ones imported, progress, exit 2),
 * {@code alerts --since} (a duration and a timestamp, through the broker's time index) and
 * {@code state TARGET} (an endpoint, an address, a range, a target name; exit 3 when none matches).
 * Alerts and states are written straight onto their topics, as the stream processor writes them.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OperatorCommandsIT {

    @TempDir
    Path dir;

    @Test
    void shouldImportTheGoodLinesAndReportEachBadOneByNumberWhenAFileHasMistakes(final KafkaCluster cluster) throws Exception {
        // given
        final String[] connect = connect(cluster, "import");
        final Path file = dir.resolve("targets.txt");
        Files.writeString(file, String.join("\n",
                "# mail relays",
                "192.0.2.10:8891",
                "",
                "mx.example.org            # default milter ports",
                "192.0.2.10:99999",
                "198.51.100.0/28:1981",
                "[2001:db8::25]:11332",
                "2001:db8::26",
                "bad host:25",
                "192.0.2.10:8891",
                "10.0.0.0/33",
                "127.2.256.1:2525",
                "169.254.169.254:8891",
                "2001:db8::1:8891",
                "0.0.0.0/0:8891",
                "mx.example.com:1-65535    # every port",
                "192.0.2.0/28:1981,8891,11332",
                "   ") + "\n");

        // when
        final CliRunner.Result r = CliRunner.run(concat(new String[] {"targets", "import", file.toString(), "--interval", "60",
                "--progress-every", "2"}, connect));

        // then: exit 2, every bad line named with its number and reason
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains(file + ":5: '192.0.2.10:99999': port 99999 is outside 1..65535")
                .contains(file + ":9: 'bad?host:25': forbidden character (code 32)")
                .contains(file + ":11: '10.0.0.0/33': prefix length 33 is outside 0..32")
                // the worker's own validator, with the worker's settings (here its defaults)
                .contains(file + ":12: '127.2.256.1:2525': host '127.2.256.1' is not a valid IPv4 address")
                .contains(file + ":13: '169.254.169.254:8891': out of scope: 169.254.169.254 is in 169.254.0.0/16 (link-local or cloud metadata)")
                .contains(file + ":14: '2001:db8::1:8891': ambiguous; write [2001:db8::1]:8891 for port 8891 on 2001:db8::1,"
                        + " or [2001:db8::1:8891] for the address 2001:db8::1:8891 on the default ports")
                .contains(file + ":15: '0.0.0.0/0:8891': range 0.0.0.0/0 has 4294967296 addresses, more than worker.cidr.max.addresses=4096")
                .contains("imported 2 / 15 targets").contains("imported 6 / 15 targets");
        assertThat(r.out()).contains("imported 7 target(s) from " + file + " (7 bad line(s), 1 duplicate(s) skipped, 3 comment or blank line(s))");
        // and: the good ones are on the topic, once each, with the options given
        final Map<String, Target> targets = targets(cluster, connect);
        assertThat(targets).containsOnlyKeys("192.0.2.10:8891", "mx.example.org", "198.51.100.0/28:1981", "[2001:db8::25]:11332", "2001:db8::26",
                "mx.example.com:1-65535", "192.0.2.0/28:1981,8891,11332");
        // and: a sweep travels as one range, a port list as its ports
        assertThat(targets.get("mx.example.com:1-65535").getPorts()).isEmpty();
        assertThat(targets.get("mx.example.com:1-65535").getPortRanges()).singleElement()
                .satisfies(pr -> assertThat(List.of(pr.getFirst(), pr.getLast())).containsExactly(1, 65535));
        assertThat(targets.get("192.0.2.0/28:1981,8891,11332").getPorts()).containsExactly(1981, 8891, 11332);
        final CliRunner.Result list = CliRunner.run(concat(new String[] {"targets", "list"}, connect));
        assertThat(list.out()).containsPattern("mx\\.example\\.com:1-65535 +ports=1-65535 every 60s")
                .contains("sweep of 65,535 port(s) per address: no port has answered yet")
                .containsPattern("mx\\.example\\.org +ports=default every 60s");
        // and: once a swept port answered (it has a state), the list says so
        try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
            send(producer, Topics.withPrefix(connect[3]).exposureState(), state("192.0.2.77", 8891, "192.0.2.77:8891", "mx.example.com:1-65535"));
        }
        assertThat(CliRunner.run(concat(new String[] {"targets", "list"}, connect)).out())
                .contains("sweep of 65,535 port(s) per address, last seen answering 1970-01-01T00:00:00.001Z: 1 answered: 192.0.2.77:8891 EXPOSED");
        assertThat(targets.values()).allSatisfy(t -> assertThat(t.getIntervalSeconds()).isEqualTo(60));
        assertThat(targets.get("[2001:db8::25]:11332").getHost()).isEqualTo("2001:db8::25");
        assertThat(targets.get("mx.example.org").getPorts()).isEmpty();
        assertThat(read(cluster, Topics.withPrefix(connect[3]).targets())).hasSize(7);

        // when: the file is fixed and imported again
        Files.writeString(file, Files.readString(file).replace("99999", "8893").replace("bad host:25", "relay.example.org:25")
                .replace("/33", "/24").replace("127.2.256.1", "127.2.250.1").replace("169.254.169.254", "192.0.2.254")
                .replace("2001:db8::1:8891", "[2001:db8::1]:8891").replace("0.0.0.0/0", "192.0.2.128/28"));
        final CliRunner.Result again = CliRunner.run(concat(new String[] {"targets", "import", file.toString(), "--interval", "60"}, connect));
        // then
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("imported 14 target(s)").contains("(0 bad line(s), 1 duplicate(s) skipped");
        assertThat(targets(cluster, connect)).hasSize(14);
    }

    @Test
    void shouldImportFromStandardInputWithProgressWhenTheListIsLong(final KafkaCluster cluster) throws Exception {
        // given: 25,000 targets on standard input
        final String[] connect = connect(cluster, "stdin");
        final StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 25_000; i++) {
            lines.append("10.").append(i / 65_536).append('.').append(i / 256 % 256).append('.').append(i % 256).append(":8891\n");
        }
        final InputStream stdin = System.in;
        final CliRunner.Result r;
        try {
            System.setIn(new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)));
            // when
            r = CliRunner.run(concat(new String[] {"targets", "import", "-"}, connect));
        } finally {
            System.setIn(stdin);
        }
        // then
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.startsWith("imported ")).toList())
                .containsExactly("imported 10,000 targets", "imported 20,000 targets");
        assertThat(r.out()).contains("imported 25,000 target(s) from stdin (0 bad line(s)");
        assertThat(read(cluster, Topics.withPrefix(connect[3]).targets())).hasSize(25_000);
    }

    @Test
    void shouldShowOnlyAlertsRaisedSinceThenWhenGivenSince(final KafkaCluster cluster) throws Exception {
        // given: an alert two hours old and one five minutes old, on both alert topics
        final String[] connect = connect(cluster, "since");
        final Topics topics = Topics.withPrefix(connect[3]);
        final Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
            send(producer, topics.alertsExposure(), alert("192.0.2.1:8891", Exposure.EXPOSED, now.minus(Duration.ofHours(2))));
            send(producer, topics.alertsRegression(), alert("192.0.2.2:8891", Exposure.REGRESSED, now.minus(Duration.ofMinutes(5))));
        }

        // when / then
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json"}, connect)))).containsExactlyInAnyOrder("192.0.2.1:8891",
                "192.0.2.2:8891");
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json", "--since", "1h"}, connect)))).containsExactly("192.0.2.2:8891");
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json", "--since", "3h"}, connect)))).hasSize(2);
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json", "--since", now.minus(Duration.ofMinutes(30)).toString()},
                connect)))).containsExactly("192.0.2.2:8891");
        final CliRunner.Result none = CliRunner.run(concat(new String[] {"alerts", "--since", "0s"}, connect));
        assertThat(none.code()).isZero();
        assertThat(none.out()).isEmpty();
        final CliRunner.Result human = CliRunner.run(concat(new String[] {"alerts", "--since", "10m", "--no-hints"}, connect));
        assertThat(human.out()).contains("REGRESSED    192.0.2.2:8891  (was REMEDIATED)").doesNotContain("192.0.2.1:8891");
    }

    @Test
    void shouldPrintAlertsOfBothTopicsInTimeOrderWhenTheyInterleave(final KafkaCluster cluster) throws Exception {
        // given: exposures and regressions that alternate in time, each topic's in one partition
        final String[] connect = connect(cluster, "order");
        final Topics topics = Topics.withPrefix(connect[3]);
        final Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
            sendTo(producer, topics.alertsExposure(), alert("192.0.2.1:8891", Exposure.EXPOSED, now.minus(Duration.ofMinutes(60))));
            sendTo(producer, topics.alertsExposure(), alert("192.0.2.3:8891", Exposure.EXPOSED, now.minus(Duration.ofMinutes(20))));
            sendTo(producer, topics.alertsRegression(), alert("192.0.2.2:8891", Exposure.REGRESSED, now.minus(Duration.ofMinutes(40))));
            sendTo(producer, topics.alertsRegression(), alert("192.0.2.4:8891", Exposure.REGRESSED, now.minus(Duration.ofMinutes(5))));
        }

        // when / then: one stream, oldest first, whichever topic each came from
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json"}, connect))))
                .containsExactly("192.0.2.1:8891", "192.0.2.2:8891", "192.0.2.3:8891", "192.0.2.4:8891");
        assertThat(keys(CliRunner.run(concat(new String[] {"alerts", "--json", "--since", "50m"}, connect))))
                .containsExactly("192.0.2.2:8891", "192.0.2.3:8891", "192.0.2.4:8891");
        final CliRunner.Result human = CliRunner.run(concat(new String[] {"alerts", "--no-hints"}, connect));
        assertThat(human.out().lines().map(l -> l.substring(l.indexOf("192.0.2."), l.indexOf("192.0.2.") + 9)).toList())
                .containsExactly("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4");
    }

    @Test
    void shouldShowTheMatchingStatesAndExitThreeWhenNoneMatchesWhenGivenATarget(final KafkaCluster cluster) throws Exception {
        // given
        final String[] connect = connect(cluster, "state");
        final Topics topics = Topics.withPrefix(connect[3]);
        try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
            send(producer, topics.exposureState(), state("192.0.2.10", 8891, "192.0.2.10:8891", "192.0.2.10:8891"));
            send(producer, topics.exposureState(), state("192.0.2.10", 1981, "192.0.2.10:1981", "mx.example.org"));
            send(producer, topics.exposureState(), state("2001:db8::25", 11332, "[2001:db8::25]:11332", "[2001:db8::25]:11332"));
        }

        // when / then
        assertThat(CliRunner.run(concat(new String[] {"state"}, connect)).out()).contains("3 endpoint(s)");
        final CliRunner.Result one = CliRunner.run(concat(new String[] {"state", "192.0.2.10:8891"}, connect));
        assertThat(one.code()).isZero();
        assertThat(one.out()).contains("192.0.2.10:8891").doesNotContain("192.0.2.10:1981").contains("1 endpoint(s)");
        assertThat(CliRunner.run(concat(new String[] {"state", "192.0.2.10"}, connect)).out()).contains("2 endpoint(s)");
        assertThat(CliRunner.run(concat(new String[] {"state", "192.0.2.0/24", "--json"}, connect)).out().lines()).hasSize(2);
        assertThat(CliRunner.run(concat(new String[] {"state", "[2001:db8::25]:11332"}, connect)).out()).contains("1 endpoint(s)");
        assertThat(CliRunner.run(concat(new String[] {"state", "mx.example.org"}, connect)).out()).contains("192.0.2.10:1981")
                .contains("1 endpoint(s)");
        final CliRunner.Result missing = CliRunner.run(concat(new String[] {"state", "198.51.100.7:8891"}, connect));
        assertThat(missing.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err()).contains("no watched ip:port matches '198.51.100.7:8891'");
        assertThat(missing.out()).contains("0 endpoint(s)");
    }

    // ---------------------------------------------------------------- helpers

    private String[] connect(final KafkaCluster cluster, final String name) throws Exception {
        final String prefix = KafkaCluster.uniquePrefix("operator-" + name);
        final Settings s = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "topic.prefix", prefix, "topic.partitions", "2"), ConnectionOptions.KAFKA_NAMES);
        TopicProvisioner.ensureTopics(s, Topics.withPrefix(prefix));
        return new String[] {"--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix};
    }

    private static Map<String, Target> targets(final KafkaCluster cluster, final String[] connect) {
        try (TopicReader reader = new TopicReader(cluster.bootstrapServers(), Map.of())) {
            return reader.latest(Topics.withPrefix(connect[3]).targets(), Records.TARGET);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> read(final KafkaCluster cluster, final String topic) {
        return SkeletonEndToEndITSupport.read(cluster, topic);
    }

    private static List<String> keys(final CliRunner.Result r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        final List<String> keys = new ArrayList<>();
        for (final String line : r.out().lines().toList()) {
            keys.add(RecordJson.mapper().readTree(line).get("key").asText());
        }
        return keys;
    }

    private static KafkaProducer<String, byte[]> producer(final KafkaCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer());
    }

    private static void send(final KafkaProducer<String, byte[]> producer, final String topic, final Alert a) throws Exception {
        // The record time is the alert's time, as the stream processor writes it.
        producer.send(new ProducerRecord<>(topic, null, a.getCreatedAtMs(), a.getKey(), Records.ALERT.encode(a))).get();
    }

    /** As {@link #send(KafkaProducer, String, Alert)}, into partition 0: a topic's alerts then come in one run when read. */
    private static void sendTo(final KafkaProducer<String, byte[]> producer, final String topic, final Alert a) throws Exception {
        producer.send(new ProducerRecord<>(topic, 0, a.getCreatedAtMs(), a.getKey(), Records.ALERT.encode(a))).get();
    }

    private static void send(final KafkaProducer<String, byte[]> producer, final String topic, final ExposureState s) throws Exception {
        producer.send(new ProducerRecord<>(topic, s.getKey(), Records.EXPOSURE_STATE.encode(s))).get();
    }

    private static Alert alert(final String key, final Exposure to, final Instant at) {
        final int colon = key.lastIndexOf(':');
        return Alert.newBuilder().setAlertId(key + "#1").setKey(key).setIp(key.substring(0, colon))
                .setPort(Integer.parseInt(key.substring(colon + 1))).setTargetId(key).setSeverity(Severity.HIGH)
                .setFromState(to == Exposure.REGRESSED ? Exposure.REMEDIATED : Exposure.UNKNOWN).setToState(to)
                .setSummary("test alert for " + key).setCreatedAtMs(at.toEpochMilli()).build();
    }

    private static ExposureState state(final String ip, final int port, final String key, final String targetId) {
        return ExposureState.newBuilder().setKey(key).setIp(ip).setPort(port).setTargetId(targetId).setState(Exposure.EXPOSED)
                .setSinceMs(1).setFirstSeenMs(1).setLastSeenMs(1).setAllowedZones(List.of(Zone.INTERNAL)).build();
    }

    private static String[] concat(final String[] head, final String... tail) {
        final String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
