package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target given by a DNS name that resolves to a cloud-metadata or link-local address, through
 * the whole pipeline: {@code targets add} onto the targets topic, the processor's registry, a probe
 * request, a worker process, a result. The worker resolves names with a hosts file the test writes
 * ({@code -Djdk.net.hosts.file}, the JDK's own switch; the machine's /etc/hosts is never touched).
 * Each refused name also resolves to a loopback address where a real milter listens: the name must
 * be refused whole, every address answered ERROR with the reason, and that listener must never see
 * a connection. A name resolving only to loopback, probed by the same worker, shows that the hosts
 * file is in use and that a connection would have been seen.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetadataNameIT {

    @TempDir
    Path dir;

    @Test
    void shouldRefuseANameWithAMetadataOrLinkLocalAddressAndConnectToNoneOfItsAddresses(final KafkaCluster cluster) throws Exception {
        // given: milters on four loopback addresses, and a hosts file naming them beside refused addresses
        final String prefix = KafkaCluster.uniquePrefix("metaname");
        final Topics topics = Topics.withPrefix(prefix);
        final Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, String.join("\n",
                "169.254.169.254 metadata.milterwatch.test",
                "127.0.0.7 metadata.milterwatch.test",
                "::ffff:169.254.169.254 mapped.milterwatch.test",
                "127.0.0.8 mapped.milterwatch.test",
                "fe80::1 link-local.milterwatch.test",
                "127.0.0.9 link-local.milterwatch.test",
                "127.0.0.10 fine.milterwatch.test", ""));
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers",
                cluster.bootstrapServers(), "topic.prefix", prefix, "processor.state.dir", dir.resolve("state").toString(),
                "processor.application.id", prefix + "-processor", "processor.http.port", "0"), ConnectionOptions.KAFKA_NAMES);
        final List<Process> workers = new ArrayList<>();
        try (MilterEmulator metadata = MilterEmulator.start(Behaviour.LIBMILTER_V6, InetAddress.getByName("127.0.0.7"));
             MilterEmulator mapped = MilterEmulator.start(Behaviour.LIBMILTER_V6, InetAddress.getByName("127.0.0.8"));
             MilterEmulator linkLocal = MilterEmulator.start(Behaviour.LIBMILTER_V6, InetAddress.getByName("127.0.0.9"));
             MilterEmulator fine = MilterEmulator.start(Behaviour.LIBMILTER_V6, InetAddress.getByName("127.0.0.10"));
             Pipeline processor = Pipeline.start(settings, true, false)) {
            workers.add(startWorker(cluster, prefix, hosts));

            // when: the targets are added as a user would
            final CliRunner.Result added = CliRunner.run("targets", "add", "--bootstrap-servers", cluster.bootstrapServers(),
                    "--topic-prefix", prefix, "metadata.milterwatch.test:" + metadata.port(), "mapped.milterwatch.test:" + mapped.port(),
                    "link-local.milterwatch.test:" + linkLocal.port(), "fine.milterwatch.test:" + fine.port());
            assertThat(added.code()).as(added.err()).isZero();

            // then: the name with only a loopback address is probed (the worker reads the hosts file) ...
            final List<ProbeResult> results = new ArrayList<>();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                results.clear();
                SkeletonEndToEndITSupport.read(cluster, topics.probeResults())
                        .forEach(r -> results.add(Records.PROBE_RESULT.decode(r.topic(), r.value())));
                return results.size() >= 7 && results.stream().map(ProbeResult::getHost).distinct().count() == 4;
            });
            assertThat(results).filteredOn(r -> r.getHost().equals("fine.milterwatch.test")).singleElement().satisfies(r -> {
                assertThat(r.getIp()).isEqualTo("127.0.0.10");
                assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER);
            });
            assertThat(fine.accepted()).isPositive();
            // ... and each other name is refused whole, every address with the reason, none connected to
            final List<ProbeResult> refused = results.stream().filter(r -> !r.getHost().equals("fine.milterwatch.test")).toList();
            assertThat(refused).extracting(r -> r.getHost() + " " + r.getIp()).containsExactlyInAnyOrder(
                    "metadata.milterwatch.test 169.254.169.254", "metadata.milterwatch.test 127.0.0.7",
                    "mapped.milterwatch.test 169.254.169.254", "mapped.milterwatch.test 127.0.0.8",
                    "link-local.milterwatch.test fe80::1", "link-local.milterwatch.test 127.0.0.9");
            assertThat(refused).allSatisfy(r -> {
                assertThat(r.getOutcome()).as(r.getHost() + " " + r.getIp()).isEqualTo(Outcome.ERROR);
                assertThat(r.getConnectMs()).as(r.getHost() + " " + r.getIp() + " must not have been connected to").isNull();
                assertThat(r.getError()).contains("name '" + r.getHost() + "' resolves to " + (r.getHost().startsWith("link-local")
                        ? "fe80::1" : "169.254.169.254")).contains(r.getHost().startsWith("link-local") ? "fe80::/10" : "169.254.0.0/16")
                        .contains("link-local or cloud metadata");
            });
            assertThat(refused).filteredOn(r -> r.getIp().startsWith("127.")).allSatisfy(r ->
                    assertThat(r.getError()).startsWith("not probed: "));
            assertThat(List.of(metadata.accepted(), mapped.accepted(), linkLocal.accepted()))
                    .as("connections to the loopback milters the refused names also resolve to").containsOnly(0);
        } finally {
            for (final Process worker : workers) {
                worker.destroy();
                worker.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A worker process (the CLI's {@code worker} command) that resolves names with the given hosts file only. */
    private static Process startWorker(final KafkaCluster cluster, final String prefix, final Path hosts) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-Djdk.net.hosts.file=" + hosts, "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "worker")
                .redirectErrorStream(true).redirectOutput(Files.createTempFile("worker", ".log").toFile());
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        env.put("MILTERWATCH_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("MILTERWATCH_TOPIC_PREFIX", prefix);
        env.put("MILTERWATCH_WORKER_VANTAGE", "inside");
        env.put("MILTERWATCH_WORKER_ZONE", "INTERNAL");
        return pb.start();
    }
}
