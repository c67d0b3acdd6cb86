package io.milterwatch.worker.metrics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.http.HttpService;
import io.milterwatch.metrics.Health;
import io.milterwatch.metrics.HttpEndpoints;
import io.milterwatch.worker.config.WorkerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe worker's own small HTTP server: {@code /metrics} (Prometheus text),
 * {@code /health/live} and {@code /health/ready} (200 or 503 with a JSON body). It binds to
 * loopback by default ({@code worker.http.host}); none of it needs a token, and it serves no
 * target data, only counts. It is the shared {@link HttpService} (non-blocking: a client that
 * never finishes its request holds no thread), with the {@code Host} check of every role.
 */
public final class WorkerHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerHttpServer.class);

    private final HttpService server;

    /** @param port 0 for a free port, see {@link #port()} */
    public WorkerHttpServer(final String host, final int port, final PrometheusMeterRegistry registry, final Supplier<Health> liveness,
            final Supplier<Health> readiness) throws IOException {
        this(host, port, List.of(), registry, liveness, readiness);
    }

    /** @param allowedHosts names besides the bind host, localhost and IP literals that clients may reach it by ({@code worker.http.allowed.hosts}) */
    public WorkerHttpServer(final String host, final int port, final List<String> allowedHosts, final PrometheusMeterRegistry registry,
            final Supplier<Health> liveness, final Supplier<Health> readiness) throws IOException {
        final List<String> names = new ArrayList<>(allowedHosts);
        names.add(host);
        this.server = new HttpService(HttpService.Options.defaults(host, port, names, WorkerSettings.HTTP_ALLOWED_HOSTS.name(), "worker-http")
                .withBudgets(4, 1));
        server.route(HttpEndpoints.METRICS, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.metrics(registry));
        server.route(HttpEndpoints.LIVE, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.health(liveness));
        server.route(HttpEndpoints.READY, HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, HttpEndpoints.health(readiness));
        server.route("/", HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN,
                ex -> ex.sendText(404, "no such endpoint; try /metrics, /health/live, /health/ready\n"));
    }

    public WorkerHttpServer start() {
        try {
            server.start();
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        LOG.info("worker metrics on http://{}:{}/metrics, health on /health/live and /health/ready", host(), port());
        return this;
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
