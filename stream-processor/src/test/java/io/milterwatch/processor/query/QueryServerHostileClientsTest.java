package io.milterwatch.processor.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.milterwatch.kafka.Topics;
import io.milterwatch.metrics.Health;
import io.milterwatch.metrics.HttpEndpoints;
import io.milterwatch.testing.HostHeader;
import io.milterwatch.testing.HostileHttpClients;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query server against the hostile tester's clients (issue 16, item 7), on loopback. Nothing
 * here needs a broker: the Kafka Streams client and the alert feed are built but never started
 * (their bootstrap address is a closed loopback port), since health, alerts and event streams are
 * served without them.
 */
@Timeout(90)
class QueryServerHostileClientsTest {

    private static final String TOKEN = "hostile-t0ken";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private KafkaStreams streams;
    private AlertFeed feed;

    @BeforeEach
    void build() {
        final Topology topology = new Topology();
        topology.addSource("in", "hostile-in");
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hostile-clients");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        streams = new KafkaStreams(topology, props);
        feed = new AlertFeed("127.0.0.1:1", Map.of(), Topics.withPrefix("hostile"));
    }

    @AfterEach
    void close() {
        feed.close();
        streams.close(Duration.ofSeconds(5));
    }

    private QueryServer server(final String token) throws Exception {
        final QueryServer server = new QueryServer(streams, feed, "127.0.0.1", 0, new HostInfo("127.0.0.1", 0), token);
        server.addEndpoint(HttpEndpoints.LIVE, HttpEndpoints.health(() -> Health.up("RUNNING", Map.of())), false);
        server.addEndpoint(HttpEndpoints.READY, HttpEndpoints.health(() -> Health.up("RUNNING", Map.of())), false);
        server.start();
        return server;
    }

    private HttpResponse<String> get(final int port, final String path, final String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerHealthAndTheApiWhen64ClientsNeverFinishTheirRequestHead() throws Exception {
        // given
        try (QueryServer server = server(null);
             // when
             HostileHttpClients slow = HostileHttpClients.open(server.port(), 64, HostileHttpClients.UNFINISHED_HEAD)) {
            // then
            assertThat(get(server.port(), "/health/live", null).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/health/ready", null).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/api/alerts", null).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerHealthAndTheApiWhen64EventStreamClientsWithTheTokenNeverRead() throws Exception {
        // given
        try (QueryServer server = server(TOKEN);
             // when
             HostileHttpClients streams = HostileHttpClients.open(server.port(), 64, "GET /api/transitions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     + "Authorization: Bearer " + TOKEN + "\r\n\r\n")) {
            // then
            assertThat(get(server.port(), "/health/live", null).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/api/alerts", TOKEN).statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/api/alerts", null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void shouldAnswer421WhenAPageOnAnotherSiteReachesTheApiByItsOwnName() throws Exception {
        // given: no token, as by default
        try (QueryServer server = server(null)) {
            // when: DNS rebinding: attacker.example now resolves to 127.0.0.1
            final HostHeader.Answer rebound = HostHeader.get(server.port(), "/api/alerts", "attacker.example:" + server.port());

            // then
            assertThat(rebound.statusCode()).isEqualTo(421);
            assertThat(rebound.body()).contains("attacker.example").contains("processor.http.allowed.hosts");
            assertThat(HostHeader.get(server.port(), "/api/alerts", "localhost:" + server.port()).statusCode()).isEqualTo(200);
            assertThat(HostHeader.get(server.port(), "/api/alerts", "127.0.0.1:" + server.port()).statusCode()).isEqualTo(200);
            assertThat(HostHeader.get(server.port(), "/api/alerts", "[::1]:" + server.port()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldAcceptTheAdvertisedAndConfiguredExtraNamesWhenTheyAreTheHost() throws Exception {
        try (QueryServer server = new QueryServer(streams, feed, "127.0.0.1", 0, new HostInfo("processor-1", 8470), null,
                List.of("milterwatch.internal"))) {
            server.start();
            assertThat(HostHeader.get(server.port(), "/api/alerts", "processor-1:8470").statusCode()).isEqualTo(200);
            assertThat(HostHeader.get(server.port(), "/api/alerts", "MilterWatch.Internal.").statusCode()).isEqualTo(200);
            assertThat(HostHeader.get(server.port(), "/api/alerts", "processor-2:8470").statusCode()).isEqualTo(421);
        }
    }
}
