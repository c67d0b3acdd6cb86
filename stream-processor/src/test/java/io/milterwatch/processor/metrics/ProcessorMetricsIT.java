package io.milterwatch.processor.metrics;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.processor.query.AlertFeed;
import io.milterwatch.processor.query.QueryServer;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream processor on a real broker, observed through its HTTP endpoints as Prometheus and an
 * orchestrator would: lines by format and status, alerts by kind, endpoints per state (also after
 * a restart, with no new input), /metrics behind the token, health without it.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProcessorMetricsIT {

    private static final String TOKEN = "metrics-t0ken";
    private static final String BLOCK = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=198.51.100.99 LEN=60 "
            + "TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";
    private static final String ASA_DENY = "<164>Mar 05 2024 14:22:11 asa-1 : %ASA-4-106023: Deny tcp src outside:203.0.113.7/51515 "
            + "dst inside:198.51.100.99/8891 by access-group \"outside_in\" [0x0, 0x0]";
    private static final String ASA_TEARDOWN = "%ASA-6-305012: Teardown dynamic TCP translation from inside:192.0.2.25/8891 to "
            + "outside:203.0.113.25/8891 duration 0:00:30";

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    @Test
    void shouldCountLinesAlertsAndEndpointsAndKeepEndpointCountsAcrossARestart(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("procmetrics");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 2, (short) -1);
        }
        final int port = freePort();
        final ProcessorConfig config = ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null, Map.of(), Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", prefix + "-app",
                "processor.state.dir", stateDir.toString(), "processor.http.port", Integer.toString(port), "processor.http.token", TOKEN),
                java.util.Set.of()));
        final String base = "http://127.0.0.1:" + port;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            try (StreamsApp app = new StreamsApp(config)) {
                app.start();
                // then: ready once RUNNING, without a token
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(status(base + "/health/ready", null)).isEqualTo(200));
                assertThat(status(base + "/health/live", null)).isEqualTo(200);
                // and: /metrics follows the API's token
                assertThat(status(base + "/metrics", null)).isEqualTo(401);
                assertThat(status(base + "/metrics", "Bearer wrong")).isEqualTo(401);

                // when: one endpoint is exposed, another exposed then remediated; firewall lines of two formats and one of none
                final long t = System.currentTimeMillis();
                send(producer, topics, "192.0.2.25", Zone.EXTERNAL, Outcome.MILTER, t);
                send(producer, topics, "192.0.2.26", Zone.INTERNAL, Outcome.MILTER, t);
                send(producer, topics, "192.0.2.26", Zone.EXTERNAL, Outcome.MILTER, t + 1);
                send(producer, topics, "192.0.2.26", Zone.EXTERNAL, Outcome.FILTERED, t + 2);
                for (final String line : List.of(BLOCK, BLOCK, BLOCK.substring(0, BLOCK.indexOf(" SRC=")), ASA_DENY, ASA_TEARDOWN,
                        "hello, world")) {
                    producer.send(new ProducerRecord<>(topics.firewallRaw(), "fw1", line.getBytes(StandardCharsets.UTF_8))).get();
                }

                // then
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    final PrometheusText scrape = PrometheusText.scrape(base + "/metrics", TOKEN);
                    assertThat(scrape.sum("milterwatch_alerts_total", "kind", "EXPOSED")).isEqualTo(2.0);
                    assertThat(scrape.sum("milterwatch_alerts_total", "kind", "REMEDIATED")).isEqualTo(1.0);
                    assertThat(scrape.sum("milterwatch_firewall_lines_total")).isEqualTo(6.0);
                });
                final PrometheusText scrape = PrometheusText.scrape(base + "/metrics", TOKEN);
                assertThat(scrape.sum("milterwatch_alerts_total")).isEqualTo(3.0);
                assertThat(scrape.sum("milterwatch_endpoints", "state", "EXPOSED", "application", prefix + "-app")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_endpoints", "state", "REMEDIATED")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_endpoints")).isEqualTo(2.0);
                assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "netfilter", "status", "EVENT")).isEqualTo(2.0);
                assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "netfilter", "status", "INVALID")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "cisco-asa", "status", "EVENT")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "cisco-asa", "status", "SKIPPED")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "unknown", "status", "INVALID")).isEqualTo(1.0);
                // and: Kafka Streams' own client metrics are there
                assertThat(scrape.has("kafka_stream_thread_process_total")).as("kafka_stream_thread_process_total").isTrue();
                assertThat(scrape.has("kafka_consumer_fetch_manager_records_lag_max")).isTrue();
            }

            // when: the processor is started again, and nothing new arrives
            try (StreamsApp again = new StreamsApp(config)) {
                again.start();
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(status(base + "/health/ready", null)).isEqualTo(200));
                // then: the endpoint counts are read back from the state store; no alert is repeated
                final PrometheusText scrape = PrometheusText.scrape(base + "/metrics", TOKEN);
                assertThat(scrape.sum("milterwatch_endpoints", "state", "EXPOSED")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_endpoints", "state", "REMEDIATED")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_alerts_total")).isZero();
            }
        }
    }

    @Test
    void shouldBeReadyOnlyWhileRunningAndStayLiveWhileClosing(final KafkaCluster cluster) throws Exception {
        // given: the client, its health and the query API's server, not started
        final String prefix = KafkaCluster.uniquePrefix("prochealth");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir).withConnection(cluster.bootstrapServers(), prefix + "-app");
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final KafkaStreams streams = new KafkaStreams(MilterwatchTopology.build(topics, config, new ProcessorMetrics(registry)),
                StreamsApp.properties(config));
        final StreamsHealth health = new StreamsHealth(streams);
        final int port = freePort();
        try (AlertFeed feed = new AlertFeed(cluster.bootstrapServers(), Map.of(), topics);
             QueryServer server = new QueryServer(streams, feed, "127.0.0.1", port, new HostInfo("127.0.0.1", port), TOKEN)) {
            ProcessorEndpoints.register(server, registry, health);
            server.start();
            final String base = "http://127.0.0.1:" + port;
            // then: before it runs, live but not ready
            assertThat(status(base + "/health/live", null)).isEqualTo(200);
            assertThat(status(base + "/health/ready", null)).isEqualTo(503);
            assertThat(body(base + "/health/ready")).contains("\"reason\":\"CREATED\"");
            // when
            streams.start();
            // then: ready once RUNNING
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(status(base + "/health/ready", null)).isEqualTo(200));
            assertThat(status(base + "/metrics", "Bearer " + TOKEN)).isEqualTo(200);
            // when: it is closed as StreamsApp closes it
            health.closing();
            streams.close(Duration.ofSeconds(30));
            // then: not ready, still live (a stop that was asked for is no failure)
            assertThat(status(base + "/health/ready", null)).isEqualTo(503);
            assertThat(body(base + "/health/ready")).contains("closing").contains("NOT_RUNNING");
            assertThat(status(base + "/health/live", null)).isEqualTo(200);
        } finally {
            streams.close();
        }
    }

    private static void send(final KafkaProducer<String, byte[]> producer, final Topics topics, final String ip, final Zone zone,
            final Outcome outcome, final long at) throws Exception {
        final ProbeResult r = ProbeResult.newBuilder().setRequestId("r-" + ip + "-" + at).setTargetId(ip + ":8891").setHost(ip).setIp(ip)
                .setPort(8891).setVantage(zone == Zone.INTERNAL ? "inside" : "outside").setZone(zone).setAllowedZones(List.of(Zone.INTERNAL))
                .setOutcome(outcome).setTotalMs(1).setProbedAtMs(at).build();
        producer.send(new ProducerRecord<>(topics.probeResults(), ip + ":8891", Records.PROBE_RESULT.encode(r))).get();
    }

    private int status(final String url, final String authorization) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String body(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
