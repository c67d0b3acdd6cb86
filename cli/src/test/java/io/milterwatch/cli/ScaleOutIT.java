package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.LocalPorts;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on one machine, with real processes: two stream processors (the role jar
 * {@code milterwatch-processor.jar}, one application id, one standby replica) and two probe
 * workers (the role jar {@code milterwatch-worker.jar}, one vantage, so one consumer group) share
 * topics of four partitions; 240 targets are real milter listeners on loopback, re-probed every
 * 5 s from an EXTERNAL vantage, so each is first EXPOSED. Then:
 * <ul>
 *   <li>both processors own tasks and both workers own partitions (the groups' assignments), each
 *       processor owns part of the keys ({@code ?local=true}), and either query API answers
 *       {@code /api/state/IP:PORT} for every key, the other's included, and {@code /api/alerts};</li>
 *   <li>listeners are closed (REMEDIATED) and processor A is killed with SIGKILL while those alerts
 *       are being produced; more listeners are closed right after the kill (their REMEDIATED can
 *       only come from B), the first closed ones are opened again once B has taken over (REGRESSED);</li>
 *   <li>worker 1 is killed with SIGKILL, its partitions move to worker 2, more listeners are closed;</li>
 *   <li>in the end every target has exactly the alerts its listener's history calls for, in order,
 *       each once (read_committed: count by ip:port and transition), and every probe request the
 *       processors wrote has a result.</li>
 * </ul>
 * The takeover times (SIGKILL to the survivor's first alert for a key of the dead instance, to its
 * query API answering for such a key from the standby copy, and as the owner) are printed:
 * docs/BENCHMARKS.md quotes them. They are measured, never asserted.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ScaleOutIT {

    private static final int TARGETS = 240;
    private static final int PARTITIONS = 4;
    private static final int INTERVAL_SECONDS = 5;
    private static final String VANTAGE = "outside";
    /** Closed before the kill of processor A and opened again after B took over: EXPOSED, REMEDIATED, REGRESSED. */
    private static final int R1_FROM = 0;
    private static final int R1_TO = 60;
    /** Closed right after the kill of processor A: EXPOSED, REMEDIATED. */
    private static final int R2_FROM = 60;
    private static final int R2_TO = 120;
    /** Closed right after the kill of worker 1: EXPOSED, REMEDIATED. */
    private static final int R3_FROM = 120;
    private static final int R3_TO = 160;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final MilterEmulator[] listeners = new MilterEmulator[TARGETS];
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopEverything() throws Exception {
        for (final Process p : processes) {
            p.destroy();
        }
        for (final Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        for (final MilterEmulator m : listeners) {
            if (m != null) {
                m.close();
            }
        }
    }

    @Test
    void shouldShareThePartitionsAndLoseNoAlertWhenAProcessorAndAWorkerAreKilled(final KafkaCluster cluster) throws Exception {
        // given: topics of four partitions, 240 milter listeners, their targets
        final String prefix = KafkaCluster.uniquePrefix("scale");
        final Topics topics = Topics.withPrefix(prefix);
        final String application = prefix + "-processor";
        final String workers = "milterwatch-probe-" + VANTAGE;
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, PARTITIONS, (short) -1);
        }
        final int[] ports = new int[TARGETS];
        for (int i = 0; i < TARGETS; i++) {
            listeners[i] = MilterEmulator.start(Behaviour.LIBMILTER_V6);
            ports[i] = listeners[i].port();
        }
        final List<String> keys = new ArrayList<>();
        for (final int port : ports) {
            keys.add("127.0.0.1:" + port);
        }
        register(cluster, topics, ports);

        // when: two processors and two workers of one vantage start
        final int portA = LocalPorts.freePort();
        final int portB = LocalPorts.freePort();
        final Process a = startProcessor(cluster, prefix, "a", portA);
        final Process b = startProcessor(cluster, prefix, "b", portB);
        final Process w1 = startWorker(cluster, prefix, "1");
        final Process w2 = startWorker(cluster, prefix, "2");
        final List<TopicTail> alertTails = topics.alerts().stream().map(t -> new TopicTail(cluster, t)).toList();
        try (TopicTail requests = new TopicTail(cluster, topics.probeRequests());
             TopicTail results = new TopicTail(cluster, topics.probeResults());
             Admin admin = cluster.admin()) {
            // then: every target is EXPOSED once
            await().atMost(Duration.ofSeconds(120)).pollInSameThread().pollInterval(Duration.ofMillis(500))
                    .until(() -> count(alerts(alertTails), Exposure.EXPOSED) == TARGETS);
            // and: both processors own tasks, both workers own partitions of the probe requests
            final Map<String, Set<TopicPartition>> processorOwners = owners(admin, application);
            final Map<String, Set<TopicPartition>> workerOwners = owners(admin, workers);
            System.out.printf("ScaleOutIT: processor assignment %s; worker assignment %s%n", processorOwners, workerOwners);
            assertThat(processorOwners).hasSize(2).allSatisfy((member, partitions) -> assertThat(partitions).as(member).isNotEmpty());
            assertThat(processorOwners.keySet()).anyMatch(m -> m.startsWith(prefix + "-a")).anyMatch(m -> m.startsWith(prefix + "-b"));
            assertThat(workerOwners).hasSize(2).allSatisfy((member, partitions) -> assertThat(partitions).as(member)
                    .anyMatch(p -> p.topic().equals(topics.probeRequests())));
            // and: each processor owns part of the keys, and either answers for every key
            final Set<String> ownedByA = new HashSet<>();
            final Set<String> ownedByB = new HashSet<>();
            for (final String key : keys) {
                final boolean atA = get(portA, "/api/state/" + key + "?local=true").statusCode() == 200;
                final boolean atB = get(portB, "/api/state/" + key + "?local=true").statusCode() == 200;
                assertThat(atA ^ atB).as("exactly one instance owns " + key).isTrue();
                (atA ? ownedByA : ownedByB).add(key);
            }
            assertThat(ownedByA).isNotEmpty();
            assertThat(ownedByB).isNotEmpty();
            for (final String key : keys) {
                for (final int port : new int[] {portA, portB}) {
                    final HttpResponse<String> r = get(port, "/api/state/" + key);
                    assertThat(r.statusCode()).as("GET /api/state/" + key + " on " + port + ": " + r.body()).isEqualTo(200);
                    assertThat(r.headers().firstValue("X-Milterwatch-Standby-For")).as("answered by its owner").isEmpty();
                    final JsonNode state = RecordJson.mapper().readTree(r.body());
                    assertThat(state.get("key").asText()).isEqualTo(key);
                    assertThat(state.get("state").asText()).isEqualTo("EXPOSED");
                }
            }
            for (final int port : new int[] {portA, portB}) {
                final HttpResponse<String> r = get(port, "/api/alerts?limit=500");
                assertThat(r.statusCode()).as("/api/alerts on " + port).isEqualTo(200);
                final Set<String> alerted = new HashSet<>();
                RecordJson.mapper().readTree(r.body()).forEach(n -> alerted.add(n.get("key").asText()));
                assertThat(alerted).as("/api/alerts on " + port + " has the alerts of both instances' keys").containsAll(keys);
            }

            // when: R1's listeners close, and processor A is killed while their REMEDIATED alerts come out
            closeListeners(R1_FROM, R1_TO);
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(100))
                    .until(() -> count(alerts(alertTails), Exposure.REMEDIATED) >= (R1_TO - R1_FROM) / 3);
            a.destroyForcibly(); // SIGKILL
            final long killedAt = System.nanoTime();
            assertThat(a.waitFor(20, TimeUnit.SECONDS)).isTrue();
            final int remediatedAtKill = count(alerts(alertTails), Exposure.REMEDIATED);
            // and: R2's listeners close at once: their REMEDIATED can only come from B
            closeListeners(R2_FROM, R2_TO);
            final Set<String> r2OfA = new HashSet<>(keys.subList(R2_FROM, R2_TO));
            r2OfA.retainAll(ownedByA);
            assertThat(r2OfA).as("keys of A among those closed after the kill").isNotEmpty();
            final String probeKey = r2OfA.iterator().next();
            long standbyAnswerMs = -1;
            long ownerAnswerMs = -1;
            long firstAlertMs = -1;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while ((ownerAnswerMs < 0 || firstAlertMs < 0) && System.nanoTime() < deadline) {
                final HttpResponse<String> r = get(portB, "/api/state/" + probeKey);
                final long since = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                if (r.statusCode() == 200) {
                    assertThat(RecordJson.mapper().readTree(r.body()).get("key").asText()).isEqualTo(probeKey);
                }
                if (r.statusCode() == 200 && r.headers().firstValue("X-Milterwatch-Standby-For").isPresent() && standbyAnswerMs < 0) {
                    assertThat(r.headers().firstValue("X-Milterwatch-Standby-For")).hasValue("127.0.0.1:" + portA);
                    standbyAnswerMs = since;
                }
                if (r.statusCode() == 200 && r.headers().firstValue("X-Milterwatch-Standby-For").isEmpty() && ownerAnswerMs < 0) {
                    ownerAnswerMs = since;
                }
                assertThat(r.statusCode()).as("B for a key of the dead A: " + r.body()).isIn(200, 503);
                if (r.statusCode() == 503) {
                    assertThat(r.headers().firstValue("Retry-After")).as("a 503 says when to retry").isPresent();
                }
                if (firstAlertMs < 0 && alerts(alertTails).stream().anyMatch(x -> x.getToState() == Exposure.REMEDIATED && r2OfA.contains(x.getKey()))) {
                    firstAlertMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                }
                // A fixed sampling interval, not a wait for a condition: this loop times when each answer first
                // changes (standby, owner, first alert), so it must look at a steady rate until all three are seen.
                Thread.sleep(100);
            }
            System.out.printf("ScaleOutIT: processor A killed after %d REMEDIATED alerts; B answered for a key of A after %d ms"
                    + " (from its standby copy), %d ms (as its owner); first alert for a key of A from B after %d ms%n", remediatedAtKill,
                    standbyAnswerMs, ownerAnswerMs, firstAlertMs);
            assertThat(remediatedAtKill).as("killed while R1's alerts were coming out").isLessThan(R1_TO - R1_FROM);
            // the group notices A's death only after the session timeout (6 s): B answered from its standby copy before
            assertThat(standbyAnswerMs).as("B answers for A's keys from its standby copy while A's death is not noticed")
                    .isGreaterThanOrEqualTo(0);
            assertThat(ownerAnswerMs).as("B answers as the owner of A's keys").isGreaterThanOrEqualTo(0);
            assertThat(firstAlertMs).as("B alerts for A's keys").isGreaterThanOrEqualTo(0);
            // and: B owns every task once the group dropped A
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                final Map<String, Set<TopicPartition>> now = owners(admin, application);
                assertThat(now).hasSize(1);
                assertThat(now.keySet().iterator().next()).startsWith(prefix + "-b");
            });
            // (once B has made the standby copies of A's tasks its active ones)
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (final String key : keys) {
                    assertThat(get(portB, "/api/state/" + key + "?local=true").statusCode()).as(key + " owned by B").isEqualTo(200);
                }
            });
            // when: R1's listeners open again (REGRESSED), then worker 1 is killed and R3's listeners close
            openListeners(ports, R1_FROM, R1_TO);
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(500))
                    .until(() -> count(alerts(alertTails), Exposure.REGRESSED) >= (R1_TO - R1_FROM) / 2);
            w1.destroyForcibly(); // SIGKILL
            assertThat(w1.waitFor(20, TimeUnit.SECONDS)).isTrue();
            closeListeners(R3_FROM, R3_TO);
            // then: worker 2 owns every partition of the probe requests
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                final Map<String, Set<TopicPartition>> now = owners(admin, workers);
                assertThat(now).hasSize(1);
                assertThat(now.values().iterator().next().stream().filter(p -> p.topic().equals(topics.probeRequests())))
                        .hasSize(PARTITIONS);
            });
            // and: every target has the alerts its listener's history calls for, each once
            final Map<String, List<Exposure>> expected = new LinkedHashMap<>();
            for (int i = 0; i < TARGETS; i++) {
                expected.put(keys.get(i), i < R1_TO ? List.of(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED)
                        : i < R3_TO ? List.of(Exposure.EXPOSED, Exposure.REMEDIATED) : List.of(Exposure.EXPOSED));
            }
            final int total = expected.values().stream().mapToInt(List::size).sum();
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(500))
                    .until(() -> alerts(alertTails).size() >= total);
            // B stops (SIGTERM: it commits and leaves); what it wrote is all there is
            b.destroy();
            assertThat(b.waitFor(60, TimeUnit.SECONDS)).isTrue();
            alertTails.forEach(TopicTail::readToEnd);
            final Map<String, List<Exposure>> actual = new TreeMap<>();
            alerts(alertTails).forEach(x -> actual.computeIfAbsent(x.getKey(), k -> new ArrayList<>()).add(x.getToState()));
            final Map<String, Long> perTransition = alerts(alertTails).stream()
                    .collect(Collectors.groupingBy(x -> x.getKey() + " " + x.getFromState() + "->" + x.getToState(), Collectors.counting()));
            assertThat(perTransition.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey).toList())
                    .as("alerts repeated (ip:port and transition)").isEmpty();
            assertThat(new TreeMap<>(actual)).isEqualTo(new TreeMap<>(expected));
            // and: every probe request has a result (worker 2 finishes what is queued)
            final List<ConsumerRecord<String, byte[]>> written = List.copyOf(requests.readToEnd());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> committedPastLast(admin, workers, written));
            final Set<String> requested = ids(written, true);
            final Set<String> answered = ids(results.readToEnd(), false);
            final Set<String> unanswered = new HashSet<>(requested);
            unanswered.removeAll(answered);
            System.out.printf("ScaleOutIT: %d alerts, %d probe requests, %d results, %d unanswered%n", total, requested.size(),
                    results.readToEnd().size(), unanswered.size());
            assertThat(unanswered).as("probe requests without a result").isEmpty();
        } finally {
            alertTails.forEach(TopicTail::close);
        }
    }

    private void closeListeners(final int from, final int to) throws IOException {
        for (int i = from; i < to; i++) {
            listeners[i].close();
            listeners[i] = null;
        }
    }

    private void openListeners(final int[] ports, final int from, final int to) throws IOException {
        for (int i = from; i < to; i++) {
            listeners[i] = MilterEmulator.start(Behaviour.LIBMILTER_V6, ports[i]);
        }
    }

    private static void register(final KafkaCluster cluster, final Topics topics, final int[] ports) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (final int port : ports) {
                final String id = "127.0.0.1:" + port;
                final Target t = Target.newBuilder().setId(id).setHost("127.0.0.1").setPorts(List.of(port)).setIntervalSeconds(INTERVAL_SECONDS)
                        .setAllowedZones(List.of(Zone.INTERNAL)).setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(new ProducerRecord<>(topics.targets(), id, Records.TARGET.encode(t)));
            }
            producer.flush();
        }
    }

    /** Each member of the group (by group.instance.id, else member id) and the partitions assigned to it. */
    private static Map<String, Set<TopicPartition>> owners(final Admin admin, final String group) throws Exception {
        final ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        final Map<String, Set<TopicPartition>> out = new TreeMap<>();
        for (final MemberDescription m : d.members()) {
            out.computeIfAbsent(m.groupInstanceId().orElse(m.consumerId()), k -> new HashSet<>()).addAll(m.assignment().topicPartitions());
        }
        return out;
    }

    /**
     * Whether the group committed past the last request of every partition. Not the end offsets: the
     * processor writes requests in transactions, and a worker commits after the last record it took,
     * never after the transaction's commit marker that follows it.
     */
    private static boolean committedPastLast(final Admin admin, final String group, final List<ConsumerRecord<String, byte[]>> records)
            throws Exception {
        final Map<TopicPartition, Long> last = new HashMap<>();
        records.forEach(r -> last.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max));
        final var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return last.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() > e.getValue());
    }

    private static List<Alert> alerts(final List<TopicTail> tails) {
        final List<Alert> out = new ArrayList<>();
        for (final TopicTail t : tails) {
            t.poll().forEach(r -> out.add(Records.ALERT.decode(r.topic(), r.value())));
        }
        return out;
    }

    private static int count(final Collection<Alert> alerts, final Exposure to) {
        return (int) alerts.stream().filter(a -> a.getToState() == to).count();
    }

    private static Set<String> ids(final List<ConsumerRecord<String, byte[]>> records, final boolean requests) {
        final Set<String> out = new HashSet<>();
        records.forEach(r -> out.add(requests ? Records.PROBE_REQUEST.decode(r.topic(), r.value()).getRequestId()
                : Records.PROBE_RESULT.decode(r.topic(), r.value()).getRequestId()));
        return out;
    }

    private HttpResponse<String> get(final int port, final String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A processor as its own process: the slim role jar, as a processor image runs it, configured by environment. */
    private Process startProcessor(final KafkaCluster cluster, final String prefix, final String name, final int httpPort) throws Exception {
        final Path jar = Path.of("..", "stream-processor", "target", "milterwatch-processor.jar");
        assertThat(jar).as("the processor's role jar is built before integration tests").exists();
        final Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", cluster.bootstrapServers());
        settings.put("topic.prefix", prefix);
        settings.put("processor.application.id", prefix + "-processor");
        settings.put("processor.state.dir", Files.createDirectories(dir.resolve("state-" + name)).toString());
        settings.put("processor.http.port", Integer.toString(httpPort));
        settings.put("processor.group.instance.id", prefix + "-" + name);
        settings.put("processor.standby.replicas", "1");
        return start(jar, settings, "processor-" + name);
    }

    /** A worker of the one vantage as its own process: the slim role jar, configured by environment. */
    private Process startWorker(final KafkaCluster cluster, final String prefix, final String name) throws Exception {
        final Path jar = Path.of("..", "probe-worker", "target", "milterwatch-worker.jar");
        assertThat(jar).as("the worker's role jar is built before integration tests").exists();
        final Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", cluster.bootstrapServers());
        settings.put("topic.prefix", prefix);
        settings.put("worker.vantage", VANTAGE);
        settings.put("worker.zone", "EXTERNAL");
        settings.put("worker.http.port", Integer.toString(LocalPorts.freePort()));
        // every target is on 127.0.0.1: the per-host limits (made to spare a real host) would pace the whole test
        settings.put("worker.host.concurrency", "64");
        settings.put("worker.host.rate", "1000");
        settings.put("worker.connect.timeout.ms", "2000");
        settings.put("worker.reply.timeout.ms", "2000");
        return start(jar, settings, "worker-" + name);
    }

    private Process start(final Path jar, final Map<String, String> settings, final String name) throws IOException {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-jar", jar.toString());
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        settings.forEach((k, v) -> env.put("MILTERWATCH_" + k.toUpperCase(Locale.ROOT).replace('.', '_'), v));
        // A killed member never says goodbye: a short session lets the group move on quickly (docs/deployment.md).
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        // kept after the test (target/), for a run that fails
        final Path log = Files.createDirectories(Path.of("target", "ScaleOutIT")).resolve(name + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        System.out.printf("ScaleOutIT: %s logs to %s%n", name, log);
        final Process p = pb.start();
        processes.add(p);
        return p;
    }
}
