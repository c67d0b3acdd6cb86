package io.milterwatch.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared server's budgets and timeouts, with real sockets on loopback. */
@Timeout(60)
class HttpServiceTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(final int port, final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpService service(final int api, final int streams, final Duration idle) throws Exception {
        return new HttpService(HttpService.Options.defaults("127.0.0.1", 0, List.of(), "test.allowed.hosts", "test-http")
                .withBudgets(api, streams).withIdleTimeout(idle));
    }

    @Test
    void shouldAnswerHealthAnd503ForMoreApiCallsWhenTheApiBudgetIsTakenBySlowCalls() throws Exception {
        // given: API calls that wait until released
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch inside = new CountDownLatch(4);
        try (HttpService server = service(4, 2, Duration.ofSeconds(30))) {
            server.route("/api", HttpService.Kind.API, HttpService.Access.OPEN, ex -> {
                inside.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.sendText(200, "done");
            });
            server.route("/health", HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, ex -> ex.sendText(200, "UP"));
            server.start();
            final List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                slow.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/slow")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertThat(inside.await(20, TimeUnit.SECONDS)).isTrue();

            // when
            final HttpResponse<String> more = get(server.port(), "/api/more");
            final HttpResponse<String> health = get(server.port(), "/health");

            // then
            assertThat(more.statusCode()).isEqualTo(503);
            assertThat(more.body()).contains("busy");
            assertThat(health.statusCode()).isEqualTo(200);
            release.countDown();
            for (final CompletableFuture<HttpResponse<String>> f : slow) {
                assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldStreamEventsAndRefuseStreamsBeyondTheBudgetWhenTooManyAreOpen() throws Exception {
        // given
        try (HttpService server = service(4, 2, Duration.ofSeconds(30))) {
            server.stream("/events", HttpService.Access.OPEN, (ex, stream) -> stream.offer("event: hello\ndata: 1\n\n"));
            server.start();
            final List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    final Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    open.add(s);
                    // then: each gets its event
                    assertThat(readUntil(s.getInputStream(), "data: 1")).contains("200").contains("text/event-stream");
                }

                // when
                final HttpResponse<String> third = get(server.port(), "/events");

                // then
                assertThat(third.statusCode()).isEqualTo(503);
                assertThat(third.body()).contains("too many event streams");
                assertThat(server.openStreams()).isEqualTo(2);
            } finally {
                for (final Socket s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    void shouldCloseAConnectionWhenItsRequestHeadIsNotFinishedWithinTheIdleTimeout() throws Exception {
        try (HttpService server = service(4, 2, Duration.ofMillis(500))) {
            server.route("/", HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, ex -> ex.sendText(200, "ok"));
            server.start();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(20_000);
                // then: the server hangs up (end of stream, or a 408 then end of stream) instead of waiting forever
                final InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // drain whatever the server says before closing
                }
            }
        }
    }

    private static String readUntil(final InputStream in, final String marker) throws Exception {
        final StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains(marker)) {
            final int b = in.read();
            if (b < 0) {
                break;
            }
            seen.append((char) b);
        }
        return seen.toString();
    }
}
