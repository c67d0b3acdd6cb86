package io.milterwatch.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.PrometheusText;
import io.milterwatch.testing.TestTopics;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.worker.consume.ProbeWorker;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real worker against a real broker and real loopback listeners, observed only through its HTTP
 * endpoint, as Prometheus and an orchestrator would: counts match what was probed, nothing stays
 * in flight, the Kafka clients' lag is there, and readiness follows the partition assignment.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerMetricsIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldCountEveryProbeByOutcomeAndTurnReadyWhenPartitionsAreAssigned(final KafkaCluster cluster) throws Exception {
        // given: three milters, an SMTP server and a port nobody listens on
        final String prefix = KafkaCluster.uniquePrefix("workermetrics");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 2, (short) -1);
        }
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final WorkerConfig config = WorkerConfig.from(Settings.load(WorkerSettings.all(), null, Map.of(),
                Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "worker.vantage", "metrics-1",
                        "worker.zone", "INTERNAL", "worker.reply.timeout.ms", "1000", "worker.http.port", "0"), Set.of()));
        assertThat(config.httpEnabled()).isTrue();
        try (MilterEmulator v6 = MilterEmulator.start(Behaviour.LIBMILTER_V6);
             MilterEmulator rspamd = MilterEmulator.start(Behaviour.RSPAMD);
             MilterEmulator v2 = MilterEmulator.start(Behaviour.GO_V2);
             MilterEmulator smtp = MilterEmulator.start(Behaviour.SMTP);
             PrometheusMetrics prometheus = PrometheusMetrics.create("vantage", config.vantage());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            final ProbeWorker worker = new ProbeWorker(config, new WorkerMetrics(prometheus.registry()));
            try (WorkerHttpServer server = new WorkerHttpServer(config.httpHost(), config.httpPort(), prometheus.registry(),
                    worker::liveness, worker::readiness).start()) {
                final String base = "http://127.0.0.1:" + server.port();
                assertThat(server.port()).isPositive();
                // then: before the loop runs, live (starting) but not ready
                assertThat(status(base + "/health/live")).isEqualTo(200);
                assertThat(status(base + "/health/ready")).isEqualTo(503);
                assertThat(body(base + "/health/ready")).contains("\"status\":\"DOWN\"");

                // when: the worker starts
                final Thread thread = new Thread(worker, "worker");
                thread.start();
                // then: ready once the group has assigned it the partitions
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(status(base + "/health/ready")).isEqualTo(200));
                assertThat(body(base + "/health/ready")).contains("\"assignedPartitions\":2");

                // when: six requests (one of them expired) and one unreadable record arrive
                final List<Integer> milters = List.of(v6.port(), rspamd.port(), v2.port());
                final List<ProbeRequest> requests = new ArrayList<>();
                for (final int port : milters) {
                    requests.add(request("m-" + port, port, System.currentTimeMillis() + 60_000));
                }
                requests.add(request("smtp", smtp.port(), System.currentTimeMillis() + 60_000));
                requests.add(request("closed", closedPort, System.currentTimeMillis() + 60_000));
                requests.add(request("expired", v6.port(), System.currentTimeMillis() - 1_000));
                for (final ProbeRequest r : requests) {
                    producer.send(new ProducerRecord<>(topics.probeRequests(), r.getRequestId().getBytes(StandardCharsets.UTF_8),
                            Records.PROBE_REQUEST.encode(r))).get();
                }
                producer.send(new ProducerRecord<>(topics.probeRequests(), "bad".getBytes(StandardCharsets.UTF_8),
                        "not a probe request".getBytes(StandardCharsets.UTF_8))).get();
                assertThat(TestTopics.readAtLeast(cluster, topics.probeResults(), requests.size())).hasSize(requests.size());

                // then: the scrape counts exactly what was done
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        PrometheusText.scrape(base + "/metrics", null).sum("milterwatch_results_published_total")).isEqualTo(6.0));
                final PrometheusText scrape = PrometheusText.scrape(base + "/metrics", null);
                assertThat(scrape.sum("milterwatch_probes_total")).isEqualTo(6.0).isEqualTo((double) worker.probed());
                assertThat(scrape.sum("milterwatch_probes_total", "outcome", "MILTER", "vantage", "metrics-1")).isEqualTo(3.0);
                assertThat(scrape.sum("milterwatch_probes_total", "outcome", "OTHER_SERVICE")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_probes_total", "outcome", "CLOSED")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_probes_total", "outcome", "ERROR")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_probe_duration_seconds_count")).isEqualTo(6.0);
                assertThat(scrape.sum("milterwatch_dlq_records_total")).isEqualTo(1.0);
                assertThat(scrape.sum("milterwatch_probes_in_flight")).isZero();
                assertThat(scrape.sum("milterwatch_probes_queued")).isZero();
                assertThat(scrape.has("kafka_consumer_fetch_manager_records_lag_max")).as(scrape.text()).isTrue();
                assertThat(scrape.has("kafka_producer_record_send_total")).isTrue();
                // and: per-partition lag appears once the binder has seen the assigned partitions, and is 0 once caught up
                // (Kafka also reports each under the topic name with '.' written '_', its older form)
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    final List<PrometheusText.Sample> lag = PrometheusText.scrape(base + "/metrics", null)
                            .samples("kafka_consumer_fetch_manager_records_lag").stream()
                            .filter(s -> topics.probeRequests().equals(s.labels().get("topic"))).toList();
                    assertThat(lag).extracting(s -> s.labels().get("partition")).containsExactlyInAnyOrder("0", "1");
                    assertThat(lag).allSatisfy(s -> assertThat(s.value()).isZero());
                });
                assertThat(status(base + "/health/live")).isEqualTo(200);

                // when: the worker is closed
                worker.close();
                thread.join(10_000);
                // then: neither live nor ready, and nothing left in flight
                assertThat(status(base + "/health/ready")).isEqualTo(503);
                assertThat(status(base + "/health/live")).isEqualTo(503);
                assertThat(body(base + "/health/live")).contains("stopped");
                assertThat(PrometheusText.scrape(base + "/metrics", null).sum("milterwatch_probes_in_flight")).isZero();
                assertThat(status(base + "/nothing")).isEqualTo(404);
            }
        }
    }

    private static ProbeRequest request(final String id, final int port, final long deadline) {
        return ProbeRequest.newBuilder().setRequestId(id).setTargetId("127.0.0.1:" + port).setHost("127.0.0.1").setPorts(List.of(port))
                .setReason(ProbeReason.MANUAL).setAllowedZones(List.of(Zone.INTERNAL)).setRequestedAtMs(System.currentTimeMillis())
                .setDeadlineMs(deadline).build();
    }

    private int status(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String body(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
