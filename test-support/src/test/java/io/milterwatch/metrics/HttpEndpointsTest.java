package io.milterwatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milterwatch.http.HttpService;
import io.micrometer.core.instrument.Counter;
import io.milterwatch.testing.PrometheusText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared /metrics and /health handlers over the shared HTTP server on loopback. */
class HttpEndpointsTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicReference<Health> ready = new AtomicReference<>(Health.down("starting", Map.of("state", "CREATED")));
    private PrometheusMetrics metrics;
    private HttpService server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        metrics = PrometheusMetrics.create("component", "test");
        server = new HttpService(HttpService.Options.defaults("127.0.0.1", 0, List.of(), "test.allowed.hosts", "test-http"));
        server.route(HttpEndpoints.METRICS, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.metrics(metrics.registry()));
        server.route(HttpEndpoints.READY, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.health(ready::get));
        server.route(HttpEndpoints.LIVE, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.health(() -> {
            throw new IllegalStateException("cannot tell");
        }));
        server.start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    @Test
    void shouldServeEveryMeterInPrometheusTextWithCommonTagsWhenScraped() throws Exception {
        // given
        final Counter lines = Counter.builder("milterwatch.test.lines").tag("format", "netfilter").register(metrics.registry());
        lines.increment(3);
        // when
        final PrometheusText scrape = PrometheusText.scrape(base + HttpEndpoints.METRICS, null);
        // then
        assertThat(scrape.sum("milterwatch_test_lines_total", "format", "netfilter", "component", "test")).isEqualTo(3.0);
        assertThat(scrape.has("jvm_memory_used_bytes")).isTrue();
        assertThat(scrape.has("process_uptime_seconds")).isTrue();
    }

    @Test
    void shouldAnswer200WhenUpAnd503WhenDownWithTheReasonAsJson() throws Exception {
        // when: down
        HttpResponse<String> r = get(HttpEndpoints.READY);
        // then
        assertThat(r.statusCode()).isEqualTo(503);
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("reason").asText()).isEqualTo("starting");
        assertThat(body.get("state").asText()).isEqualTo("CREATED");
        // when: up
        ready.set(Health.up("RUNNING", Map.of("state", "RUNNING")));
        r = get(HttpEndpoints.READY);
        // then
        assertThat(r.statusCode()).isEqualTo(200);
        body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void shouldAnswer503WhenTheCheckItselfFails() throws Exception {
        final HttpResponse<String> r = get(HttpEndpoints.LIVE);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("cannot tell");
    }

    @Test
    void shouldRefuseOtherMethodsThanGetAndHead() throws Exception {
        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + HttpEndpoints.METRICS))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        final HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + HttpEndpoints.READY))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(503);
        assertThat(head.body()).isEmpty();
    }

    private HttpResponse<String> get(final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
