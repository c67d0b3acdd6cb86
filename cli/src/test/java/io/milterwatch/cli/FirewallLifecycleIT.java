package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.config.Settings;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.NetworkLab;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.consume.ProbeWorker;
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
 * The advisory's whole lifecycle on a real network: a real milter daemon (Debian's opendkim) in a
 * "mail host" network namespace, nftables rules with logging on that host, Debian's ulogd2 turning
 * the kernel's NFLOG packets into log lines, the lines shipped onto the raw topic as they are
 * written, and two probe workers on this side of the veth: an EXTERNAL vantage from one source
 * address and an INTERNAL one from another. Exposed, then a drop rule for the outside (blocked
 * lines logged, external probe FILTERED, internal still MILTER): REMEDIATED; then the rule removed:
 * REGRESSED, with an alert at each step.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FirewallLifecycleIT {

    private static final int NFLOG_GROUP = 7;
    private static final String ULOGD_PLUGINS = "/usr/lib/x86_64-linux-gnu/ulogd/";

    @TempDir
    Path dir;

    @Test
    void shouldWalkExposedRemediatedRegressedWhenTheMailHostFirewallChanges(final KafkaCluster cluster) throws Exception {
        Prerequisites.require(NetworkLab.unavailableReason() == null, NetworkLab.unavailableReason());
        Prerequisites.require(Files.isExecutable(Path.of("/usr/sbin/opendkim")), "Debian's opendkim is not installed (a real milter daemon)");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/sbin/ulogd")) && Files.isDirectory(Path.of(ULOGD_PLUGINS)),
                "Debian's ulogd2 is not installed (NFLOG to log lines; plugins expected in " + ULOGD_PLUGINS + ")");

        try (NetworkLab lab = NetworkLab.create(3)) {
            final String external = lab.rootAddress(2);
            final String internal = lab.rootAddress(3);
            final String milter = lab.hostAddress() + ":8891";
            // given: the mail host runs opendkim and logs every new connection to its milter port
            final Path odk = dir.resolve("opendkim.conf");
            Files.writeString(odk, "Socket inet:8891@0.0.0.0\nBackground no\nMode v\nSyslog no\nUserID root\nPidFile "
                    + dir.resolve("opendkim.pid") + "\n");
            lab.spawn(dir.resolve("opendkim.log"), "/usr/sbin/opendkim", "-f", "-x", odk.toString());
            final Path fwlog = dir.resolve("firewall.log");
            Files.createFile(fwlog);
            Files.writeString(dir.resolve("ulogd.conf"), ulogdConfig(fwlog, dir.resolve("ulogd.log")));
            lab.spawn(dir.resolve("ulogd.out"), "/usr/sbin/ulogd", "-c", dir.resolve("ulogd.conf").toString());
            lab.nft("table inet mw {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                    + "  tcp dport 8891 ct state new log prefix \"[UFW ALLOW] \" group " + NFLOG_GROUP + " accept\n }\n}\n");

            final String prefix = KafkaCluster.uniquePrefix("lifecycle");
            final Map<String, String> flags = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                    "processor.state.dir", dir.resolve("streams").toString(), "processor.application.id", prefix + "-processor",
                    "processor.http.port", "0", "processor.internal.networks", internal + "/32,127.0.0.0/8",
                    "processor.firewall.reprobe.min.interval.ms", "1000",
                    "worker.vantage", "outside", "worker.zone", "EXTERNAL", "worker.source.address", external));
            flags.put("worker.connect.timeout.ms", "1500");
            flags.put("worker.http.port", "0");
            flags.put("worker.reply.timeout.ms", "1500");
            final Settings outside = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
            flags.putAll(Map.of("worker.vantage", "inside", "worker.zone", "INTERNAL", "worker.source.address", internal));
            final Settings inside = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
            final AtomicBoolean shipping = new AtomicBoolean(true);
            final AtomicInteger shipped = new AtomicInteger();
            try (Pipeline pipeline = Pipeline.start(outside, true, true);
                 ProbeWorker insideWorker = new ProbeWorker(WorkerConfig.from(inside))) {
                final Thread insideThread = new Thread(insideWorker, "inside-worker");
                insideThread.start();
                final Thread shipper = new Thread(() -> ship(fwlog, cluster, pipeline.topics().firewallRaw(), shipping, shipped), "shipper");
                shipper.start();
                try {
                    // when: the mail host is watched
                    final String[] connect = {"--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix};
                    final String[] add = new String[connect.length + 5];
                    System.arraycopy(new String[] {"targets", "add", "--interval", "5", milter}, 0, add, 0, 5);
                    System.arraycopy(connect, 0, add, 5, connect.length);
                    assertThat(Main.commandLine().execute(add)).isZero();

                    // then: exposed, seen from outside
                    final Alert exposed = awaitAlert(cluster, pipeline, milter, Exposure.EXPOSED);
                    assertThat(exposed.getEvidence().getVantage()).isEqualTo("outside");
                    assertThat(exposed.getEvidence().getOutcome()).isEqualTo(Outcome.MILTER);
                    assertThat(exposed.getRemediation()).contains("--dport 8891").doesNotContain("--dport 25 ");

                    // when: the fix, a drop rule for the outside, with logging
                    lab.nft("insert rule inet mw input ip saddr " + external + " tcp dport 8891 ct state new log prefix \"[UFW BLOCK] \" group "
                            + NFLOG_GROUP + " drop\n");
                    // then: the outside is filtered and blocked lines are logged, the inside still sees the milter
                    final Alert remediated = awaitAlert(cluster, pipeline, milter, Exposure.REMEDIATED);
                    assertThat(remediated.getEvidence().getOutcome()).isEqualTo(Outcome.FILTERED);
                    assertThat(remediated.getEvidence().getVantage()).isEqualTo("outside");
                    assertThat(remediated.getSummary()).contains("still answers from INTERNAL");
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        final ExposureState s = state(cluster, pipeline, milter);
                        assertThat(s.getBlockedFromDisallowed()).isPositive();
                        assertThat(s.getVantages().get("inside").getOutcome()).isEqualTo(Outcome.MILTER);
                        assertThat(s.getRecentFirewallLines()).anySatisfy(l -> assertThat(l).contains("[UFW BLOCK]").contains("SRC=" + external));
                    });

                    // when: the rule is removed again
                    lab.exec("nft", "flush", "chain", "inet", "mw", "input");
                    lab.exec("nft", "add", "rule", "inet", "mw", "input", "tcp", "dport", "8891", "ct", "state", "new", "log", "prefix",
                            "\"[UFW ALLOW] \"", "group", Integer.toString(NFLOG_GROUP), "accept");
                    // then: a regression, on its own topic
                    final Alert regressed = awaitAlert(cluster, pipeline, milter, Exposure.REGRESSED);
                    assertThat(regressed.getFromState()).isEqualTo(Exposure.REMEDIATED);
                    assertThat(shipped.get()).isPositive();
                } finally {
                    shipping.set(false);
                    shipper.join(10_000);
                    insideWorker.close();
                    insideThread.join(10_000);
                }
            }
        }
    }

    private static Alert awaitAlert(final KafkaCluster cluster, final Pipeline pipeline, final String key, final Exposure to) {
        final List<Alert> found = new ArrayList<>();
        final String topic = to == Exposure.REGRESSED ? pipeline.topics().alertsRegression() : pipeline.topics().alertsExposure();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            found.clear();
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topic)) {
                final Alert a = Records.ALERT.decode(r.topic(), r.value());
                if (a.getKey().equals(key) && a.getToState() == to) {
                    found.add(a);
                }
            }
            return !found.isEmpty();
        });
        assertThat(found).as("one alert per transition").hasSize(1);
        return found.get(0);
    }

    private static ExposureState state(final KafkaCluster cluster, final Pipeline pipeline, final String key) {
        ExposureState latest = null;
        for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, pipeline.topics().exposureState())) {
            if (key.equals(r.key())) {
                latest = Records.EXPOSURE_STATE.decode(r.topic(), r.value());
            }
        }
        assertThat(latest).as("state of " + key).isNotNull();
        return latest;
    }

    /** Follows the ulogd file and ships each complete line onto the raw topic as it appears. */
    private static void ship(final Path file, final KafkaCluster cluster, final String topic, final AtomicBoolean running,
            final AtomicInteger shipped) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
             RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            final StringBuilder partial = new StringBuilder();
            final byte[] buf = new byte[8192];
            while (running.get()) {
                final int n = in.read(buf);
                if (n <= 0) {
                    // following a file that ulogd appends to: nothing to wait on but time (like tail -f)
                    TimeUnit.MILLISECONDS.sleep(50);
                    continue;
                }
                partial.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    final String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    if (!line.isBlank()) {
                        producer.send(new ProducerRecord<>(topic, null, line.getBytes(StandardCharsets.UTF_8)));
                        shipped.incrementAndGet();
                    }
                }
                producer.flush();
            }
        } catch (final Exception e) {
            throw new IllegalStateException("shipping " + file + " failed", e);
        }
    }

    private static String ulogdConfig(final Path out, final Path log) {
        final String lib = ULOGD_PLUGINS;
        return "[global]\nlogfile=\"" + log + "\"\nloglevel=3\n"
                + "plugin=\"" + lib + "ulogd_inppkt_NFLOG.so\"\nplugin=\"" + lib + "ulogd_raw2packet_BASE.so\"\n"
                + "plugin=\"" + lib + "ulogd_filter_IFINDEX.so\"\nplugin=\"" + lib + "ulogd_filter_IP2STR.so\"\n"
                + "plugin=\"" + lib + "ulogd_filter_PRINTPKT.so\"\nplugin=\"" + lib + "ulogd_output_LOGEMU.so\"\n"
                + "stack=log1:NFLOG,base1:BASE,ifi1:IFINDEX,ip2str1:IP2STR,print1:PRINTPKT,emu1:LOGEMU\n"
                + "[log1]\ngroup=" + NFLOG_GROUP + "\n[emu1]\nfile=\"" + out + "\"\nsync=1\n";
    }
}
