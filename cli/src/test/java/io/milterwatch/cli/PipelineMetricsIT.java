package io.milterwatch.cli;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.ConfigException;
import io.milterwatch.config.Settings;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.PrometheusText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code run} starts serves two metrics and health endpoints, one per component, each with
 * its own meters; a worker port already in use stops the start with the setting's name.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PipelineMetricsIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    @Test
    void shouldServeMetricsAndHealthOfTheProcessorAndTheWorkerWhenTheyRun(final KafkaCluster cluster) throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("pipelinemetrics");
        final int processorPort = freePort();
        final Settings settings = settings(cluster, prefix, Integer.toString(processorPort), "0");
        try (Pipeline pipeline = Pipeline.start(settings, true, true)) {
            final String worker = pipeline.workerEndpoint();
            final String processor = "http://127.0.0.1:" + pipeline.processor().queryPort();
            assertThat(worker).startsWith("http://127.0.0.1:").doesNotEndWith(":0");
            // then: both become ready
            for (final String base : new String[] {worker, processor}) {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(status(base + "/health/ready")).isEqualTo(200));
                assertThat(status(base + "/health/live")).isEqualTo(200);
            }
            // and: each serves its own meters
            final PrometheusText workerMeters = PrometheusText.scrape(worker + "/metrics", null);
            assertThat(workerMeters.has("milterwatch_probes_total")).isTrue();
            assertThat(workerMeters.has("milterwatch_firewall_lines_total")).isFalse();
            assertThat(workerMeters.samples("milterwatch_probes_in_flight")).singleElement()
                    .satisfies(s -> assertThat(s.labels()).containsEntry("vantage", "metrics-out").containsEntry("zone", "EXTERNAL"));
            final PrometheusText processorMeters = PrometheusText.scrape(processor + "/metrics", null);
            assertThat(processorMeters.has("milterwatch_firewall_lines_total")).isTrue();
            assertThat(processorMeters.has("milterwatch_probes_total")).isFalse();
        }
    }

    @Test
    void shouldRefuseToStartNamingTheSettingWhenTheWorkerPortIsTaken(final KafkaCluster cluster) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            final Settings settings = settings(cluster, KafkaCluster.uniquePrefix("pipelineport"), "0",
                    Integer.toString(taken.getLocalPort()));
            assertThatThrownBy(() -> Pipeline.start(settings, false, true)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("worker.http.port").hasMessageContaining(Integer.toString(taken.getLocalPort()));
        }
    }

    private Settings settings(final KafkaCluster cluster, final String prefix, final String processorPort, final String workerPort) {
        final Map<String, String> flags = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix,
                "processor.state.dir", stateDir.toString(), "processor.application.id", prefix + "-processor",
                "processor.http.port", processorPort, "worker.http.port", workerPort, "worker.vantage", "metrics-out"));
        return Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
    }

    private int status(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
