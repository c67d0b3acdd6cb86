package io.milterwatch.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.cli.ConnectionOptions;
import io.milterwatch.cli.EmbeddedKafka;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.logic.ExposureStateMachine;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Times the query API of a large estate (a benchmark, not a test): N exposure states (every tenth a
 * milter answering outside, EXPOSED; the rest closed) are written straight into the exposure
 * store's changelog on an embedded broker, the stream processor restores them, then
 * {@code /api/summary} and pages of {@code /api/state} are asked for one after another and their
 * latencies printed as p50 / p99 / max.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.milterwatch.bench.EstateApiBench [ENDPOINTS] [REQUESTS]</pre>
 */
public final class EstateApiBench {

    private EstateApiBench() {
    }

    public static void main(final String[] args) throws Exception {
        final int endpoints = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int requests = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        final PrintStream out = System.out;
        // Records tells Avro which generated classes to trust; builders with defaults need that first.
        Records.ALL.size();
        final Path dir = Files.createTempDirectory("milterwatch-bench-api");
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), "localhost", EmbeddedKafka.freePort(), EmbeddedKafka.freePort())) {
            final String bootstrap = broker.bootstrapServers();
            final String prefix = "bench-api-" + Long.toHexString(System.nanoTime());
            final int port = EmbeddedKafka.freePort();
            final Map<String, String> flags = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "topic.prefix", prefix,
                    "processor.application.id", prefix + "-processor", "processor.state.dir", dir.resolve("streams").toString(),
                    "processor.http.port", Integer.toString(port)));
            final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
            final Topics topics = Topics.withPrefix(prefix);
            TopicProvisioner.ensureTopics(settings, topics);
            final ProcessorConfig config = ProcessorConfig.from(settings);
            final String changelog = config.applicationId() + "-" + MilterwatchTopology.EXPOSURE_STORE + "-changelog";
            final int partitions = settings.intIn("topic.partitions", 1, 10_000);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(changelog, partitions, (short) -1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(30, TimeUnit.SECONDS);
            }
            out.printf(Locale.ROOT, "machine: %d CPUs, max heap %d MB, java %s; %,d endpoints, %d partitions%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"),
                    endpoints, partitions);
            final long written = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.LINGER_MS_CONFIG, 50, ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                    new StringSerializer(), new ByteArraySerializer())) {
                final long now = System.currentTimeMillis();
                for (int i = 0; i < endpoints; i++) {
                    final ExposureState state = state(i, now);
                    producer.send(new ProducerRecord<>(changelog, state.getKey(), Records.EXPOSURE_STATE.encode(state)));
                }
            }
            out.printf(Locale.ROOT, "wrote %,d states to %s in %.1f s%n", endpoints, changelog, (System.nanoTime() - written) / 1e9);
            try (StreamsApp app = new StreamsApp(config)) {
                final long started = System.nanoTime();
                app.start();
                final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                final String base = "http://127.0.0.1:" + port;
                while (app.state() != KafkaStreams.State.RUNNING || get(http, base + "/api/summary").path("endpoints").asLong() != endpoints) {
                    Thread.sleep(500);
                    if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(30)) {
                        throw new IllegalStateException("not restored after 30 minutes");
                    }
                }
                out.printf(Locale.ROOT, "restored and running after %.1f s; summary %s%n", (System.nanoTime() - started) / 1e9,
                        get(http, base + "/api/summary").path("byState"));
                final Random random = new Random(42);
                // warm up
                for (int i = 0; i < 200; i++) {
                    get(http, base + "/api/summary");
                    get(http, base + "/api/state?limit=100&cursor=" + cursor(random.nextInt(endpoints)));
                }
                time(out, "GET /api/summary", requests, i -> base + "/api/summary", http);
                time(out, "GET /api/state?limit=100 (first page)", requests, i -> base + "/api/state?limit=100", http);
                time(out, "GET /api/state?limit=100&cursor=(random key)", requests,
                        i -> base + "/api/state?limit=100&cursor=" + cursor(random.nextInt(endpoints)), http);
                time(out, "GET /api/state?limit=100&state=EXPOSED&cursor=(random key) (1 in 10 matches)", requests,
                        i -> base + "/api/state?limit=100&state=EXPOSED&cursor=" + cursor(random.nextInt(endpoints)), http);
                time(out, "GET /api/state?limit=100&q=10.0.39.16: (1 match in the estate: reads the scan budget)", Math.max(10, requests / 20),
                        i -> base + "/api/state?limit=100&q=10.0.39.16%3A", http);
                time(out, "GET /api/state?limit=1000&cursor=(random key)", Math.max(10, requests / 5),
                        i -> base + "/api/state?limit=1000&cursor=" + cursor(random.nextInt(endpoints)), http);
                System.gc();
                final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
                out.printf(Locale.ROOT, "heap used after GC (broker and processor in this JVM): %d MB%n", heap);
            }
        }
        out.flush();
    }

    private static String key(final int i) {
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":2525";
    }

    private static String cursor(final int i) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key(i).getBytes(StandardCharsets.UTF_8));
    }

    /** The state the processor would keep after the endpoint's first result. */
    private static ExposureState state(final int i, final long now) {
        final String key = key(i);
        final String ip = key.substring(0, key.indexOf(':'));
        final boolean milter = i % 10 == 0;
        final ProbeResult r = ProbeResult.newBuilder().setRequestId("bench-" + i).setTargetId(key).setHost(ip).setIp(ip).setPort(2525)
                .setVantage("outside").setZone(Zone.EXTERNAL).setOutcome(milter ? Outcome.MILTER : Outcome.CLOSED)
                .setMilter(milter ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                .setLabels(Map.of("site", i % 3 == 0 ? "paris" : "berlin")).setTotalMs(1).setProbedAtMs(now).build();
        return ExposureStateMachine.apply(null, r).state();
    }

    private static JsonNode get(final HttpClient http, final String url) throws Exception {
        final HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            return RecordJson.mapper().createObjectNode().put("status", r.statusCode());
        }
        return RecordJson.mapper().readTree(r.body());
    }

    private static void time(final PrintStream out, final String what, final int n, final java.util.function.IntFunction<String> url,
            final HttpClient http) throws Exception {
        final long[] nanos = new long[n];
        long bytes = 0;
        int items = 0;
        for (int i = 0; i < n; i++) {
            final String u = url.apply(i);
            final long t0 = System.nanoTime();
            final HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(u)).timeout(Duration.ofSeconds(60)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            nanos[i] = System.nanoTime() - t0;
            if (r.statusCode() != 200) {
                throw new IllegalStateException(u + " -> " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
            }
            bytes += r.body().length;
            if (i == 0) {
                items = RecordJson.mapper().readTree(r.body()).path("items").size();
            }
        }
        Arrays.sort(nanos);
        out.printf(Locale.ROOT, "%-80s n=%5d p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%,d bytes/answer%s)%n", what, n,
                nanos[n / 2] / 1e6, nanos[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e6, nanos[n - 1] / 1e6, bytes / n,
                items > 0 ? ", " + items + " items in the first" : "");
        out.flush();
    }
}
