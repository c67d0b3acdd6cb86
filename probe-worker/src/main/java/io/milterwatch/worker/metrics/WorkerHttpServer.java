package io.milterwatch.worker.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.metrics.Health;
import io.milterwatch.metrics.HttpEndpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe worker's own small HTTP server: {@code /metrics} (Prometheus text),
 * {@code /health/live} and {@code /health/ready} (200 or 503 with a JSON body). It binds to
 * loopback by default ({@code worker.http.host}); none of it needs a token, and it serves no
 * target data, only counts. Two daemon threads: a scrape never waits behind a slow client for long.
 */
public final class WorkerHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerHttpServer.class);

    private final HttpServer server;
    private final ExecutorService pool;

    /** @param port 0 for a free port, see {@link #port()} */
    public WorkerHttpServer(final String host, final int port, final PrometheusMeterRegistry registry, final Supplier<Health> liveness,
            final Supplier<Health> readiness) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.pool = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "worker-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext(HttpEndpoints.METRICS, HttpEndpoints.metrics(registry));
        server.createContext(HttpEndpoints.LIVE, HttpEndpoints.health(liveness));
        server.createContext(HttpEndpoints.READY, HttpEndpoints.health(readiness));
        server.createContext("/", ex -> {
            final byte[] body = "no such endpoint; try /metrics, /health/live, /health/ready\n".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(404, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
    }

    public WorkerHttpServer start() {
        server.start();
        LOG.info("worker metrics on http://{}:{}/metrics, health on /health/live and /health/ready", host(), port());
        return this;
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
