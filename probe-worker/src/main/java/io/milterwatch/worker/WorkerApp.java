package io.milterwatch.worker;

import io.milterwatch.config.ConfigException;
import io.milterwatch.config.KafkaNames;
import io.milterwatch.config.Launcher;
import io.milterwatch.config.Settings;
import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.worker.consume.ProbeWorker;
import io.milterwatch.worker.metrics.WorkerHttpServer;
import io.milterwatch.worker.metrics.WorkerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One probe worker's lifecycle, as {@code StreamsApp} is the processor's: metrics registry, the
 * metrics and health endpoint, the {@link ProbeWorker} poll loop on its own thread, and an orderly
 * stop (stop taking work, drain what is in flight, commit, close the endpoint). {@link #main} is the
 * entry point of the slim {@code milterwatch-worker.jar}; {@code milterwatch worker} and
 * {@code milterwatch run} start the same class.
 */
public final class WorkerApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerApp.class);

    static {
        // Must precede the first use of any Avro class: Avro reads it once, when it first checks a class.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.milterwatch.schema");
        }
    }

    private final ProbeWorker worker;
    private final PrometheusMetrics meters;
    private final WorkerHttpServer http;
    private final Thread thread;
    private final java.time.Duration logSummary;
    private final String vantage;
    private io.milterwatch.metrics.PeriodicSummary summary;

    private WorkerApp(final ProbeWorker worker, final PrometheusMetrics meters, final WorkerHttpServer http, final WorkerConfig config) {
        this.worker = worker;
        this.meters = meters;
        this.http = http;
        this.logSummary = config.logSummary();
        this.vantage = config.vantage();
        this.thread = new Thread(worker, "probe-worker");
        this.thread.setUncaughtExceptionHandler((t, e) -> LOG.error("probe worker thread died", e));
    }

    /**
     * Builds the worker and binds its endpoint (a port in use stops the start before anything runs),
     * without starting to poll: {@link #start()} does.
     */
    public static WorkerApp create(final WorkerConfig config) throws java.io.IOException {
        final PrometheusMetrics meters = PrometheusMetrics.create("vantage", config.vantage(), "zone", config.zone().name());
        final ProbeWorker worker = new ProbeWorker(config, new WorkerMetrics(meters.registry()));
        WorkerHttpServer http = null;
        if (config.httpEnabled()) {
            try {
                http = new WorkerHttpServer(config.httpHost(), config.httpPort(), config.httpAllowedHosts(), meters.registry(), worker::liveness,
                        worker::readiness);
            } catch (final java.net.BindException e) {
                meters.close();
                throw new ConfigException(WorkerSettings.HTTP_PORT.name(), config.httpHost() + ":" + config.httpPort()
                        + " is already in use; choose another port (env " + WorkerSettings.HTTP_PORT.env()
                        + "), 0 for a free one, or none to serve no metrics");
            }
        }
        return new WorkerApp(worker, meters, http, config);
    }

    /** Serves the endpoint and starts the poll loop. */
    public WorkerApp start() {
        if (http != null) {
            http.start();
        }
        thread.start();
        summary = io.milterwatch.metrics.PeriodicSummary.start("probe-worker", LOG, logSummary, meters.registry(), since -> String.format(
                java.util.Locale.ROOT, "worker '%s', last %d s: %,d probe(s) %s, %,d result(s) published, %,d DLQ record(s), %,d failed batch(es)",
                vantage, since.period().toSeconds(), since.count(WorkerMetrics.PROBES), since.countBy(WorkerMetrics.PROBES, "outcome"),
                since.count(WorkerMetrics.PUBLISHED), since.count(WorkerMetrics.DEAD_LETTERS), since.count(WorkerMetrics.FAILED_BATCHES)));
        return this;
    }

    public ProbeWorker worker() {
        return worker;
    }

    /** The metrics and health endpoint ({@code http://host:port}), or null when there is none. */
    public String endpoint() {
        return http == null ? null : "http://" + http.host() + ":" + http.port();
    }

    /** Stops taking work, drains what is in flight (at most 30 s), then closes the endpoint. */
    @Override
    public void close() {
        if (summary != null) {
            summary.close();
        }
        worker.close();
        if (thread.isAlive()) {
            try {
                thread.join(30_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.close();
        }
        meters.close();
    }

    /** Entry point of {@code milterwatch-worker.jar}: configured by environment, {@code --config FILE} and a few flags. */
    public static void main(final String[] args) {
        final WorkerApp app;
        try {
            final Settings settings = Launcher.settings("worker", args, WorkerSettings.all(), KafkaNames.CLIENTS);
            app = create(WorkerConfig.from(settings)).start();
        } catch (final Exception e) {
            System.exit(Launcher.failure("worker", e));
            return;
        }
        try {
            Launcher.runUntilStopped(app);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
