package io.milterwatch.processor.query;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API for large estates against a real broker and two real instances of the stream processor,
 * each owning some partitions: the summary counts every endpoint and failing target whichever
 * instance is asked, pages walk every endpoint once in key order across both instances, the state
 * and text filters work on the server, failing targets are listed with the worker's reason, and
 * bad parameters get a 400 that names them.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EstateApiIT {

    private static final String TOKEN = "est4te";
    private static final int EXPOSED = 150;
    private static final int CLOSED = 90;

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    @Test
    void shouldSummarisePageFilterAndListFailingTargetsFromEitherInstanceWhenTwoShareTheEstate(final KafkaCluster cluster) throws Exception {
        // given: two instances sharing three partitions
        final String prefix = KafkaCluster.uniquePrefix("estate");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        final int portA = freePort();
        final int portB = freePort();
        try (StreamsApp a = new StreamsApp(config(cluster, prefix, dirA, portA));
             StreamsApp b = new StreamsApp(config(cluster, prefix, dirB, portB));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            a.start();
            b.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING
                    && a.streams().metadataForAllStreamsClients().size() == 2);

            // when: 150 endpoints answer the external vantage as milters, 90 are closed, each of its own target
            final TreeSet<String> all = new TreeSet<>();
            for (int i = 0; i < EXPOSED + CLOSED; i++) {
                final String ip = "192.0.2." + (i % 240 + 1);
                final int port = i < EXPOSED ? 8891 : 2525;
                final String key = ip + ":" + port;
                all.add(key);
                final String site = i % 3 == 0 ? "paris" : "berlin";
                producer.send(new ProducerRecord<>(topics.targets(), key, Records.TARGET.encode(target(key, ip, port, site))));
                producer.send(new ProducerRecord<>(topics.probeResults(), key, Records.PROBE_RESULT.encode(
                        result(key, ip, port, i < EXPOSED ? Outcome.MILTER : Outcome.CLOSED, site))));
            }
            // and: two targets whose probes fail, keyed by target id as the worker publishes them
            producer.send(new ProducerRecord<>(topics.targets(), "nx.example.invalid:2525",
                    Records.TARGET.encode(target("nx.example.invalid:2525", "nx.example.invalid", 2525, "paris"))));
            producer.send(new ProducerRecord<>(topics.targets(), "meta.example.test:2525",
                    Records.TARGET.encode(target("meta.example.test:2525", "meta.example.test", 2525, "paris"))));
            producer.flush();
            producer.send(new ProducerRecord<>(topics.probeResults(), "nx.example.invalid:2525", Records.PROBE_RESULT.encode(
                    failed("nx.example.invalid:2525", "nx.example.invalid", "cannot resolve host 'nx.example.invalid': no A or AAAA record"))));
            producer.send(new ProducerRecord<>(topics.probeResults(), "meta.example.test:2525", Records.PROBE_RESULT.encode(
                    failed("meta.example.test:2525", "meta.example.test", "out of scope: name 'meta.example.test' is not in worker.scope.names"))));
            producer.flush();

            // then: the summary counts every endpoint and target, asked of either instance
            for (final int port : List.of(portA, portB)) {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    final JsonNode summary = get(port, "/api/summary");
                    assertThat(summary.path("endpoints").asLong()).isEqualTo(EXPOSED + CLOSED);
                    assertThat(summary.path("byState").path("EXPOSED").asLong()).isEqualTo(EXPOSED);
                    assertThat(summary.path("byState").path("NOT_EXPOSED").asLong() + summary.path("byState").path("SERVICE_DOWN").asLong()
                            + summary.path("byState").path("UNKNOWN").asLong()).isEqualTo(CLOSED);
                    assertThat(summary.path("targets").asLong()).isEqualTo(EXPOSED + CLOSED + 2);
                    assertThat(summary.path("failingTargets").asLong()).isEqualTo(2);
                    assertThat(summary.path("unavailable")).isEmpty();
                });
            }

            // when: every endpoint is walked in pages of 7, from either instance
            for (final int port : List.of(portA, portB)) {
                final List<String> walked = walk(port, "/api/state?limit=7");
                // then: each once, in key order, though each instance owns only some
                assertThat(walked).containsExactlyElementsOf(all);
            }
            // and: a page carries what the dashboard shows per row
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                final JsonNode first = get(portA, "/api/state?limit=3&state=EXPOSED").path("items").get(0);
                assertThat(first.path("state").asText()).isEqualTo("EXPOSED");
                assertThat(first.path("remediation").asText()).isNotEmpty();
                assertThat(first.path("lastAlert").path("toState").asText()).isEqualTo("EXPOSED");
                assertThat(first.path("labels").path("site").asText()).isIn("paris", "berlin");
            });

            // when: filtered by state and searched by label on the server
            final List<String> exposed = walk(portB, "/api/state?limit=50&state=EXPOSED");
            final List<String> parisExposed = walk(portA, "/api/state?limit=1000&state=EXPOSED&q=PARIS");
            final List<String> byAddress = walk(portA, "/api/state?limit=10&q=" + enc("192.0.2.17"));
            // then
            assertThat(exposed).hasSize(EXPOSED).allSatisfy(k -> assertThat(k).endsWith(":8891"));
            assertThat(parisExposed).hasSize(EXPOSED / 3);
            assertThat(byAddress).containsExactlyInAnyOrder("192.0.2.17:8891", "192.0.2.170:2525", "192.0.2.171:2525",
                    "192.0.2.172:2525", "192.0.2.173:2525", "192.0.2.174:2525", "192.0.2.175:2525", "192.0.2.176:2525",
                    "192.0.2.177:2525", "192.0.2.178:2525", "192.0.2.179:2525");
            assertThat(walk(portA, "/api/state?limit=5&state=EXPOSED,REGRESSED&state=STALE")).hasSize(EXPOSED);

            // and: failing targets are listed with their reason, from either instance
            for (final int port : List.of(portA, portB)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    final JsonNode failing = get(port, "/api/targets?failing=true&limit=10");
                    assertThat(failing.path("items")).hasSize(2);
                    assertThat(failing.path("next").isNull()).isTrue();
                    final JsonNode meta = failing.path("items").get(0);
                    assertThat(meta.path("id").asText()).isEqualTo("meta.example.test:2525");
                    assertThat(meta.path("host").asText()).isEqualTo("meta.example.test");
                    assertThat(meta.path("ports").get(0).asInt()).isEqualTo(2525);
                    assertThat(meta.path("error").asText()).startsWith("out of scope");
                    assertThat(meta.path("lastProbedAtMs").asLong()).isPositive();
                    assertThat(failing.path("items").get(1).path("error").asText()).startsWith("cannot resolve host 'nx.example.invalid'");
                });
            }
            assertThat(walk(portB, "/api/targets?limit=100")).hasSize(EXPOSED + CLOSED + 2);
            final JsonNode oneFailing = get(portB, "/api/targets?failing=true&limit=1");
            assertThat(oneFailing.path("items")).hasSize(1);
            assertThat(get(portB, "/api/targets?failing=true&limit=1&cursor=" + oneFailing.path("next").asText()).path("items").get(0)
                    .path("id").asText()).isEqualTo("nx.example.invalid:2525");

            // and: bad parameters are refused, naming the parameter
            for (final String[] bad : new String[][] {{"/api/state?limit=0", "limit"}, {"/api/state?limit=1001", "limit"},
                    {"/api/state?limit=lots", "limit"}, {"/api/state?limit=5&state=BURNING", "state"},
                    {"/api/state?limit=5&cursor=%25%25", "cursor"}, {"/api/state?q=" + "x".repeat(201), "q"},
                    {"/api/targets?failing=maybe", "failing"}, {"/api/targets?limit=-3", "limit"}}) {
                final HttpResponse<String> r = raw(portA, bad[0], TOKEN);
                assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
                assertThat(RecordJson.mapper().readTree(r.body()).path("error").asText()).as(bad[0]).startsWith(bad[1] + ":");
            }
            // and: the token is still required, and the overview that shipped everything is gone
            assertThat(raw(portA, "/api/summary", null).statusCode()).isEqualTo(401);
            assertThat(raw(portA, "/api/state?limit=5", "wrong").statusCode()).isEqualTo(401);
            assertThat(raw(portA, "/api/targets?failing=true", null).statusCode()).isEqualTo(401);
            assertThat(raw(portA, "/api/overview", TOKEN).statusCode()).isEqualTo(410);
            // and: without a page parameter /api/state is still every state, as before
            assertThat(get(portB, "/api/state").size()).isEqualTo(EXPOSED + CLOSED);
        }
    }

    /** Follows {@code next} from the first page to the last; the keys (or target ids) in order. */
    private List<String> walk(final int port, final String first) throws Exception {
        final List<String> keys = new ArrayList<>();
        String path = first;
        for (int pages = 0; pages < 1000; pages++) {
            final JsonNode page = get(port, path);
            page.path("items").forEach(n -> keys.add(n.has("key") ? n.path("key").asText() : n.path("id").asText()));
            assertThat(page.path("items").size()).isLessThanOrEqualTo(Integer.parseInt(first.replaceAll(".*limit=(\\d+).*", "$1")));
            if (page.path("next").isNull()) {
                return keys;
            }
            path = first + "&cursor=" + page.path("next").asText();
        }
        throw new AssertionError("more than 1000 pages from " + first);
    }

    private static String enc(final String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode get(final int port, final String path) throws Exception {
        final HttpResponse<String> r = raw(port, path, TOKEN);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return RecordJson.mapper().readTree(r.body());
    }

    private HttpResponse<String> raw(final int port, final String path, final String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Target target(final String id, final String host, final int port, final String site) {
        return Target.newBuilder().setId(id).setHost(host).setPorts(List.of(port)).setLabels(Map.of("site", site))
                .setIntervalSeconds(3600).setCreatedAtMs(System.currentTimeMillis()).build();
    }

    private static ProbeResult result(final String key, final String ip, final int port, final Outcome outcome, final String site) {
        return ProbeResult.newBuilder().setRequestId("r-" + key).setTargetId(key).setHost(ip).setIp(ip).setPort(port)
                .setVantage("outside").setZone(Zone.EXTERNAL).setOutcome(outcome).setLabels(Map.of("site", site))
                .setMilter(outcome == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                .setTotalMs(1).setProbedAtMs(System.currentTimeMillis()).build();
    }

    private static ProbeResult failed(final String targetId, final String host, final String error) {
        return ProbeResult.newBuilder().setRequestId("r-" + targetId).setTargetId(targetId).setHost(host).setIp("").setPort(2525)
                .setVantage("outside").setZone(Zone.EXTERNAL).setOutcome(Outcome.ERROR).setError(error)
                .setTotalMs(0).setProbedAtMs(System.currentTimeMillis()).build();
    }

    private static ProcessorConfig config(final KafkaCluster cluster, final String prefix, final Path dir, final int port) {
        return ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null, Map.of(), Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", prefix + "-app",
                "processor.state.dir", dir.toString(), "processor.http.port", Integer.toString(port), "processor.http.token", TOKEN),
                java.util.Set.of()));
    }
}
