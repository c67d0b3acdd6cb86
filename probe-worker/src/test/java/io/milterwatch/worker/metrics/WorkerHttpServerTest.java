package io.milterwatch.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.milterwatch.metrics.Health;
import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.testing.HostHeader;
import io.milterwatch.testing.HostileHttpClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker's endpoint against hostile clients, on loopback. */
@Timeout(60)
class WorkerHttpServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(final int port, final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerHealthAndMetricsWhen64ClientsNeverFinishTheirRequest() throws Exception {
        // given
        try (PrometheusMetrics metrics = PrometheusMetrics.create("component", "test");
             WorkerHttpServer server = new WorkerHttpServer("127.0.0.1", 0, metrics.registry(), () -> Health.up("RUNNING", Map.of()),
                     () -> Health.up("RUNNING", Map.of())).start();
             // when
             HostileHttpClients slow = HostileHttpClients.open(server.port(), 64, HostileHttpClients.UNFINISHED_HEAD)) {
            // then
            assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/metrics").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswer421NamingTheSettingWhenTheHostHeaderIsAnotherSitesName() throws Exception {
        // given
        try (PrometheusMetrics metrics = PrometheusMetrics.create("component", "test");
             WorkerHttpServer server = new WorkerHttpServer("127.0.0.1", 0, List.of("worker-1"), metrics.registry(),
                     () -> Health.up("RUNNING", Map.of()), () -> Health.up("RUNNING", Map.of())).start()) {
            // when: a DNS-rebinding page's request, with its own site's name as Host
            final HostHeader.Answer rebound = HostHeader.get(server.port(), "/metrics", "attacker.example:" + server.port());

            // then
            assertThat(rebound.statusCode()).isEqualTo(421);
            assertThat(rebound.body()).contains("attacker.example").contains("worker.http.allowed.hosts");
            assertThat(HostHeader.get(server.port(), "/health/live", "worker-1:" + server.port()).statusCode()).isEqualTo(200);
            assertThat(HostHeader.get(server.port(), "/health/live", "localhost:" + server.port()).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);
        }
    }
}
