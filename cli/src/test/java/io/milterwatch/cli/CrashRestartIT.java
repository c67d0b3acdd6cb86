package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream processor, as a separate process (the shaded jar's {@code processor} command), is
 * killed with SIGKILL in the middle of a stream of 1,000 probe results and 100,000 firewall lines
 * and started again on an empty state directory, so that its stores are rebuilt from their
 * changelogs. The same input, record for record (same keys, values and timestamps), goes through a
 * reference run without a crash, under a fresh topic prefix and application id, at the same time
 * (the two share only the broker; running them side by side halves the test's wall time). Then:
 * <ul>
 *   <li>every ExposureState on the compacted state topic is equal, field for field, in both runs:
 *       state, transitions, vantages, every firewall counter and window, the last lines kept;</li>
 *   <li>the alerts (id, endpoint, transition, severity, time, evidence) are the same set, and the
 *       crashed run has none twice: each endpoint exactly EXPOSED, REMEDIATED, REGRESSED;</li>
 *   <li>every firewall line is counted exactly once (400 per endpoint).</li>
 * </ul>
 * Alert texts and the lines attached to an alert are not compared: they describe the state at the
 * moment of the transition, and how far the firewall lines (another input topic) had got by then
 * differs from run to run even without a crash. The final state does not: its counters add up, and
 * each endpoint's lines are ordered (one raw partition per endpoint, by key).
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class CrashRestartIT {

    private static final int ENDPOINTS = 250;
    private static final int PARTITIONS = 3;
    /** Lines per endpoint after each of the last three results; 250 × 400 = 100,000 lines. */
    private static final int[] LINES_PER_STEP = {0, 134, 133, 133};
    private static final int LINES_PER_ENDPOINT = 400;
    private static final int LINES = ENDPOINTS * LINES_PER_ENDPOINT;

    @TempDir
    Path referenceDir;
    @TempDir
    Path first;
    @TempDir
    Path second;

    @Test
    void shouldEndInTheSameStateAsARunWithoutCrashWhenTheProcessorIsKilledMidStream(final KafkaCluster cluster) throws Exception {
        // given: one input, generated once
        final Input input = Input.generate(System.currentTimeMillis() / 1000 * 1000);
        assertThat(input.results()).hasSize(4 * ENDPOINTS);
        assertThat(input.lines()).hasSize(LINES);

        // when: a reference run without a crash, and at the same time (they share nothing but the
        // cluster) a run whose processor is killed with SIGKILL mid-stream
        final CompletableFuture<RunResult> reference = CompletableFuture.supplyAsync(() -> {
            try {
                return run(cluster, input, KafkaCluster.uniquePrefix("crashref"), false);
            } catch (final Exception e) {
                throw new CompletionException(e);
            }
        });
        final RunResult crashed = run(cluster, input, KafkaCluster.uniquePrefix("crash"), true);
        final RunResult calm = reference.join();

        // then: the kill came mid-stream: some alerts out, not all; lines and results left unconsumed
        assertThat(crashed.alertsAtKill()).isBetween(1, 3 * ENDPOINTS - 1);
        assertThat(crashed.consumedAtKill()).as("results and lines consumed when the processor was killed")
                .isLessThan(input.results().size() + LINES);
        System.out.printf("CrashRestartIT: killed after %d alerts, %d of %d inputs consumed; reference run %d s (processor CPU %d s),"
                + " crash run %d s (restarted processor CPU %d s)%n", crashed.alertsAtKill(), crashed.consumedAtKill(),
                input.results().size() + LINES, calm.seconds(), calm.processorCpuSeconds(), crashed.seconds(), crashed.processorCpuSeconds());
        // and: no alert twice, none missed, each endpoint's three transitions in order
        final Set<String> ids = new HashSet<>();
        crashed.alerts().forEach(a -> assertThat(ids.add(a.getAlertId())).as("duplicate alert " + a.getAlertId()).isTrue());
        assertThat(crashed.alerts()).hasSize(3 * ENDPOINTS);
        for (int i = 0; i < ENDPOINTS; i++) {
            final String key = ip(i) + ":8891";
            assertThat(crashed.alerts().stream().filter(a -> a.getKey().equals(key)).map(Alert::getToState).toList())
                    .as(key).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED);
        }
        assertThat(identities(crashed.alerts())).isEqualTo(identities(calm.alerts()));
        // and: the final states are the reference's, field for field
        assertThat(crashed.states()).hasSize(ENDPOINTS);
        assertThat(crashed.states().keySet()).isEqualTo(calm.states().keySet());
        calm.states().forEach((key, expected) -> assertThat(crashed.states().get(key)).as(key).isEqualTo(expected));
        // and: both are whole: every firewall line counted exactly once
        assertThat(crashed.states().values()).allSatisfy(s -> {
            assertThat(s.getState()).isEqualTo(Exposure.REGRESSED);
            assertThat(s.getTransitions()).isEqualTo(4);
            assertThat(s.getVantages()).containsOnlyKeys("inside", "outside");
            assertThat(s.getBlockedFromDisallowed()).as(s.getKey()).isEqualTo(LINES_PER_ENDPOINT);
            assertThat(s.getFirewallWindows().stream().mapToLong(w -> w.getBlockedFromDisallowed()).sum()).isEqualTo(LINES_PER_ENDPOINT);
            assertThat(s.getLateFirewallEvents()).isZero();
            assertThat(s.getDistinctResults()).isEqualTo(4);
            assertThat(s.getDuplicateResults()).isZero();
        });
    }

    /** What a run left behind. */
    record RunResult(List<Alert> alerts, Map<String, ExposureState> states, int alertsAtKill, long consumedAtKill, long seconds,
            long processorCpuSeconds) {
    }

    /**
     * One run. Step 0 (an inside MILTER per endpoint) until every endpoint is watched; then steps 1
     * and 2 (results and lines) as fast as they go. Without {@code crash}, step 3 at once. With it,
     * the processor is killed with SIGKILL once half the alerts are out, started again on an empty
     * state directory, and step 3 (whose results make the REGRESSED alerts) arrives while it is down
     * and coming back: so the kill lands mid-stream and before the last transitions, whatever the
     * timing. Only the order within each partition matters to the final state, and that is the same
     * in every run.
     */
    private RunResult run(final KafkaCluster cluster, final Input input, final String prefix, final boolean crash) throws Exception {
        final long start = System.nanoTime();
        final Topics topics = Topics.withPrefix(prefix);
        final String group = prefix + "-processor";
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, PARTITIONS, (short) -1);
        }
        Process processor = startProcessor(cluster, prefix, crash ? first : referenceDir);
        int alertsAtKill = -1;
        long consumedAtKill = -1;
        try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
            // Step 0, then canaries (one per partition, after the endpoints): once a canary's line gets
            // through the watched-endpoints filter, the filter knows every endpoint of its partition.
            send(producer, topics, input.firstResults());
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> latestStates(cluster, topics).size()
                    == ENDPOINTS + PARTITIONS);
            final int canaryLines = awaitCanariesWatched(cluster, topics, producer, input);

            send(producer, topics, input.steps().get(0));
            send(producer, topics, input.steps().get(1));
            if (crash) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> alerts(cluster, topics).size() >= ENDPOINTS * 3 / 2);
                processor.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL
                assertThat(processor.isAlive()).isFalse();
                alertsAtKill = alerts(cluster, topics).size();
                consumedAtKill = consumed(cluster, group, List.of(topics.probeResults(), topics.firewallRaw())) - PARTITIONS - canaryLines;
                processor = startProcessor(cluster, prefix, second);
            }
            send(producer, topics, input.steps().get(2));

            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                    .until(() -> alerts(cluster, topics).size() >= 3 * ENDPOINTS);
            SkeletonEndToEndITSupport.awaitCaughtUp(cluster, group, List.of(topics.probeResults(), topics.firewallRaw(),
                    topics.firewallEvents()), Duration.ofSeconds(240));
            final Duration cpu = processor.info().totalCpuDuration().orElse(Duration.ZERO);
            final Map<String, ExposureState> states = latestStates(cluster, topics);
            input.canaryKeys().forEach(states::remove);
            return new RunResult(alerts(cluster, topics), states, alertsAtKill, consumedAtKill, (System.nanoTime() - start) / 1_000_000_000,
                    cpu.toSeconds());
        } finally {
            processor.destroy();
            processor.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Writes the records in order, in batches, and fails when any was not acknowledged. */
    private static void send(final KafkaProducer<String, byte[]> producer, final Topics topics, final List<Input.Rec> records) {
        final AtomicReference<Exception> failed = new AtomicReference<>();
        records.forEach(r -> producer.send(r.to(topics), (metadata, e) -> {
            if (e != null) {
                failed.compareAndSet(null, e);
            }
        }));
        producer.flush();
        assertThat(failed.get()).as("input not written").isNull();
    }

    /** Sends a line to each canary until its event is on the events topic (the filter let it through); returns the lines sent. */
    private static int awaitCanariesWatched(final KafkaCluster cluster, final Topics topics, final KafkaProducer<String, byte[]> producer,
            final Input input) {
        final Set<String> through = new HashSet<>();
        final int[] sent = {0};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topics.firewallEvents())) {
                through.add(r.key());
            }
            if (through.containsAll(input.canaryKeys())) {
                return true;
            }
            input.canaryKeys().stream().filter(k -> !through.contains(k)).forEach(k -> {
                sent[0]++;
                producer.send(new ProducerRecord<>(topics.firewallRaw(), "canary", ufwLine(System.currentTimeMillis(),
                        "203.0.113.9", k.substring(0, k.indexOf(':')), 8891, "BLOCK").getBytes(StandardCharsets.UTF_8)));
            });
            producer.flush();
            return false;
        });
        return sent[0];
    }

    /** The same input for every run: keys, values and record timestamps fixed once. */
    record Input(List<Rec> firstResults, List<List<Rec>> steps, List<String> canaryKeys) {

        record Rec(boolean line, String key, byte[] value, long timestamp) {
            ProducerRecord<String, byte[]> to(final Topics topics) {
                return new ProducerRecord<>(line ? topics.firewallRaw() : topics.probeResults(), null, timestamp, key, value);
            }
        }

        List<Rec> results() {
            final List<Rec> all = new ArrayList<>(firstResults.stream().filter(r -> !canaryKeys.contains(r.key())).toList());
            steps.forEach(step -> all.addAll(step.stream().filter(r -> !r.line()).toList()));
            return all;
        }

        List<Rec> lines() {
            return steps.stream().flatMap(List::stream).filter(Rec::line).toList();
        }

        /**
         * Four results per endpoint, in order: inside MILTER, outside MILTER, outside FILTERED,
         * outside MILTER; after each of the last three, firewall lines blocking an outside source to
         * that endpoint (134, 133, 133), keyed by a device of its own so that its lines stay in order.
         */
        static Input generate(final long t0) {
            final Object[][] steps = {{"inside", Zone.INTERNAL, Outcome.MILTER}, {"outside", Zone.EXTERNAL, Outcome.MILTER},
                    {"outside", Zone.EXTERNAL, Outcome.FILTERED}, {"outside", Zone.EXTERNAL, Outcome.MILTER}};
            final List<Rec> firstResults = new ArrayList<>();
            final List<List<Rec>> later = new ArrayList<>();
            for (int s = 0; s < steps.length; s++) {
                final long stepAt = t0 + s * 1000L;
                final List<Rec> stream = new ArrayList<>();
                if (s > 0) {
                    later.add(stream);
                }
                for (int i = 0; i < ENDPOINTS; i++) {
                    final Rec result = result(ip(i), (String) steps[s][0], (Zone) steps[s][1], (Outcome) steps[s][2], "r-" + s + "-" + i,
                            stepAt + i);
                    (s == 0 ? firstResults : stream).add(result);
                    for (int l = 0; l < LINES_PER_STEP[s]; l++) {
                        final long at = stepAt + 500;
                        stream.add(new Rec(true, "fw-" + i, ufwLine(at, "203.0.113." + (l % 250 + 1), ip(i), 8891, "BLOCK")
                                .getBytes(StandardCharsets.UTF_8), at));
                    }
                }
            }
            final List<String> canaries = new ArrayList<>();
            final Set<Integer> partitions = new HashSet<>();
            for (int c = 1; partitions.size() < PARTITIONS; c++) {
                final String key = "198.19.0." + c + ":8891";
                if (partitions.add(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS)) {
                    canaries.add(key);
                    firstResults.add(result("198.19.0." + c, "inside", Zone.INTERNAL, Outcome.MILTER, "canary-" + c, t0));
                }
            }
            return new Input(List.copyOf(firstResults), later.stream().map(List::copyOf).toList(), List.copyOf(canaries));
        }

        private static Rec result(final String ip, final String vantage, final Zone zone, final Outcome outcome, final String id,
                final long at) {
            final ProbeResult r = ProbeResult.newBuilder().setRequestId(id).setTargetId(ip + ":8891").setHost(ip).setIp(ip).setPort(8891)
                    .setVantage(vantage).setZone(zone).setOutcome(outcome)
                    .setMilter(outcome == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                    .setTotalMs(1).setProbedAtMs(at).build();
            return new Rec(false, ip + ":8891", Records.PROBE_RESULT.encode(r), at);
        }
    }

    private static KafkaProducer<String, byte[]> producer(final KafkaCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(), new ByteArraySerializer());
    }

    /** Records the group has committed on the topics (an offset is one record: none of them is written in transactions). */
    private static long consumed(final KafkaCluster cluster, final String group, final List<String> topics) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> topics.contains(e.getKey().topic()))
                    .mapToLong(e -> e.getValue() == null ? 0 : ((OffsetAndMetadata) e.getValue()).offset()).sum();
        }
    }

    private static String ip(final int i) {
        return "198.18." + (i / 250) + "." + (i % 250 + 1);
    }

    private static Map<String, ExposureState> latestStates(final KafkaCluster cluster, final Topics topics) {
        final Map<String, ExposureState> latest = new TreeMap<>();
        for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topics.exposureState())) {
            latest.put(r.key(), Records.EXPOSURE_STATE.decode(r.topic(), r.value()));
        }
        return latest;
    }

    private static List<Alert> alerts(final KafkaCluster cluster, final Topics topics) {
        final List<Alert> out = new ArrayList<>();
        for (final String topic : topics.alerts()) {
            for (final ConsumerRecord<String, byte[]> r : SkeletonEndToEndITSupport.read(cluster, topic)) {
                out.add(Records.ALERT.decode(r.topic(), r.value()));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Alert::getCreatedAtMs));
        return out;
    }

    /** What identifies an alert and what it says happened, without the words around it. */
    private static Set<String> identities(final List<Alert> alerts) {
        final Set<String> out = new HashSet<>();
        alerts.forEach(a -> out.add(a.getAlertId() + " " + a.getKey() + " " + a.getFromState() + "->" + a.getToState() + " " + a.getSeverity()
                + " at " + a.getCreatedAtMs() + " evidence " + (a.getEvidence() == null ? "-" : a.getEvidence().getRequestId())));
        return out;
    }

    private static Process startProcessor(final KafkaCluster cluster, final String prefix, final Path stateDir) throws Exception {
        // the slim role jar, as a processor image runs it (built in stream-processor's package phase)
        final Path jar = Path.of("..", "stream-processor", "target", "milterwatch-processor.jar");
        assertThat(jar).as("the processor's role jar is built before integration tests").exists();
        final String java = ProcessHandle.current().info().command().orElse("java");
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString());
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        env.put("MILTERWATCH_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("MILTERWATCH_TOPIC_PREFIX", prefix);
        env.put("MILTERWATCH_PROCESSOR_APPLICATION_ID", prefix + "-processor");
        env.put("MILTERWATCH_PROCESSOR_STATE_DIR", stateDir.toString());
        env.put("MILTERWATCH_PROCESSOR_HTTP_PORT", "0");
        // The killed member never says goodbye: a short session lets the group move on quickly.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        final File log = Files.createTempFile("processor", ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
    }

    /** A netfilter line as ufw logs it through the kernel log (the shape bench-streams ships). */
    private static String ufwLine(final long at, final String src, final String dst, final int dport, final String verdict) {
        return java.time.format.DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", java.util.Locale.ROOT)
                .format(java.time.ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(at), java.time.ZoneOffset.UTC))
                + " fw1 kernel: [12345.678901] [UFW " + verdict + "] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC="
                + src + " DST=" + dst + " LEN=60 TOS=0x00 PREC=0x00 TTL=57 ID=54321 DF PROTO=TCP SPT=" + (40000 + (src.hashCode() & 0x3FFF))
                + " DPT=" + dport + " WINDOW=64240 RES=0x00 SYN URGP=0";
    }
}
