package io.milterwatch.processor.query;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

/** The query API, token required, across two instances of the stream processor sharing the partitions of one application. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QueryApiIT {

    private static final String TOKEN = "query-t0ken";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    @Test
    void shouldAnswerForEveryEndpointFromEitherInstanceAndStreamTransitions(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("query");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        final int portA = freePort();
        final int portB = freePort();
        try (StreamsApp a = new StreamsApp(config(cluster, prefix, dirA, portA));
             StreamsApp b = new StreamsApp(config(cluster, prefix, dirB, portB));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            a.start();
            b.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING
                    && a.streams().metadataForAllStreamsClients().size() == 2);
            final List<String> keys = new ArrayList<>();
            // when: six endpoints answer the external vantage
            for (int i = 1; i <= 6; i++) {
                final String ip = "192.0.2." + i;
                keys.add(ip + ":8891");
                producer.send(new ProducerRecord<>(topics.probeResults(), ip + ":8891", Records.PROBE_RESULT.encode(result(ip)))).get();
            }
            // then: each instance lists all six, though each owns only some
            for (final int port : List.of(portA, portB)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    final JsonNode all = get(port, "/api/state");
                    assertThat(all.size()).isEqualTo(6);
                });
                for (final String key : keys) {
                    final JsonNode one = get(port, "/api/state/" + key);
                    assertThat(one.get("key").asText()).isEqualTo(key);
                    assertThat(one.get("state").asText()).isEqualTo("EXPOSED");
                }
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(portB, "/api/alerts?limit=10").size()).isEqualTo(6));
            // and: without the token, or with a wrong one, nothing is answered
            for (final String auth : new String[] {null, "Bearer wrong"}) {
                final HttpRequest.Builder unauthorised = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/api/state")).GET();
                if (auth != null) {
                    unauthorised.header("Authorization", auth);
                }
                final HttpResponse<String> refused = http.send(unauthorised.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(401);
                assertThat(refused.body()).doesNotContain("192.0.2.");
            }
            // and: bad input names what was wrong
            final HttpResponse<String> bad = raw(portA, "/api/alerts?limit=lots");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("limit").contains("lots");
            final HttpResponse<String> missing = raw(portA, "/api/state/198.51.100.1:25");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("198.51.100.1:25");

            // when: a client follows the transitions and a seventh endpoint is exposed
            final HttpResponse<InputStream> sse = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/api/transitions"))
                    .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(sse.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            final java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
            final CompletableFuture<String> event = CompletableFuture.supplyAsync(() -> firstTransition(sse.body(), subscribed));
            // the server registers the client before it writes the stream's opening comment
            assertThat(subscribed.await(10, TimeUnit.SECONDS)).isTrue();
            producer.send(new ProducerRecord<>(topics.probeResults(), "192.0.2.7:8891", Records.PROBE_RESULT.encode(result("192.0.2.7")))).get();
            // then
            final JsonNode pushed = RecordJson.mapper().readTree(event.get(60, TimeUnit.SECONDS));
            assertThat(pushed.get("key").asText()).isEqualTo("192.0.2.7:8891");
            assertThat(pushed.get("toState").asText()).isEqualTo("EXPOSED");
            sse.body().close();
        }
    }

    private static String firstTransition(final InputStream body, final java.util.concurrent.CountDownLatch subscribed) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            boolean inTransition = false;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(": milterwatch")) {
                    subscribed.countDown();
                } else if (line.equals("event: transition")) {
                    inTransition = true;
                } else if (inTransition && line.startsWith("data: ")) {
                    return line.substring("data: ".length());
                }
            }
            throw new IllegalStateException("stream ended without a transition");
        } catch (final java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(final int port, final String path) throws Exception {
        final HttpResponse<String> r = raw(port, path);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return RecordJson.mapper().readTree(r.body());
    }

    private HttpResponse<String> raw(final int port, final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ProbeResult result(final String ip) {
        return ProbeResult.newBuilder().setRequestId("r-" + ip).setTargetId(ip + ":8891").setHost(ip).setIp(ip).setPort(8891)
                .setVantage("outside").setZone(Zone.EXTERNAL).setOutcome(Outcome.MILTER)
                .setMilter(MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build())
                .setTotalMs(1).setProbedAtMs(System.currentTimeMillis()).build();
    }

    private static ProcessorConfig config(final KafkaCluster cluster, final String prefix, final Path dir, final int port) {
        return ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null, Map.of(), Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", prefix + "-app",
                "processor.state.dir", dir.toString(), "processor.http.port", Integer.toString(port), "processor.http.token", TOKEN),
                java.util.Set.of()));
    }
}
