package io.milterwatch.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.ConfigException;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.worker.consume.ProbeWorker;
import io.milterwatch.worker.metrics.WorkerHttpServer;
import io.milterwatch.worker.metrics.WorkerMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's processes inside one JVM, against any cluster: topics created if missing, the
 * stream processor, and a probe worker. What {@code milterwatch run} starts, and what the
 * end-to-end tests start, is this same code.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final StreamsApp processor;
    private final ProbeWorker worker;
    private final Thread workerThread;
    private final Topics topics;
    private final PrometheusMetrics workerMeters;
    private final WorkerHttpServer workerHttp;

    private Pipeline(final StreamsApp processor, final ProbeWorker worker, final Thread workerThread, final Topics topics,
            final PrometheusMetrics workerMeters, final WorkerHttpServer workerHttp) {
        this.processor = processor;
        this.worker = worker;
        this.workerThread = workerThread;
        this.topics = topics;
        this.workerMeters = workerMeters;
        this.workerHttp = workerHttp;
    }

    public static Pipeline start(final Settings settings, final boolean withProcessor, final boolean withWorker)
            throws InterruptedException, java.io.IOException {
        final Topics topics = Topics.withPrefix(settings.string(CommonSettings.TOPIC_PREFIX.name()));
        if (withProcessor) {
            ensureTopics(settings, topics);
        }
        ProbeWorker worker = null;
        PrometheusMetrics workerMeters = null;
        WorkerHttpServer workerHttp = null;
        if (withWorker) {
            // The worker's endpoint binds first: a port in use stops the start before anything runs.
            final WorkerConfig config = WorkerConfig.from(settings);
            workerMeters = PrometheusMetrics.create("vantage", config.vantage(), "zone", config.zone().name());
            worker = new ProbeWorker(config, new WorkerMetrics(workerMeters.registry()));
            if (config.httpEnabled()) {
                try {
                    workerHttp = new WorkerHttpServer(config.httpHost(), config.httpPort(), workerMeters.registry(), worker::liveness,
                            worker::readiness);
                } catch (final java.net.BindException e) {
                    workerMeters.close();
                    throw new ConfigException(WorkerSettings.HTTP_PORT.name(), config.httpHost() + ":" + config.httpPort()
                            + " is already in use; choose another port (env " + WorkerSettings.HTTP_PORT.env()
                            + "), 0 for a free one, or none to serve no metrics");
                }
            }
        }
        StreamsApp processor = null;
        if (withProcessor) {
            try {
                processor = new StreamsApp(ProcessorConfig.from(settings));
                processor.start();
            } catch (final RuntimeException | java.io.IOException e) {
                if (workerHttp != null) {
                    workerHttp.close();
                }
                if (workerMeters != null) {
                    workerMeters.close();
                }
                throw e;
            }
        }
        Thread thread = null;
        if (withWorker) {
            if (workerHttp != null) {
                workerHttp.start();
            }
            thread = new Thread(worker, "probe-worker");
            thread.setUncaughtExceptionHandler((t, e) -> LOG.error("probe worker thread died", e));
            thread.start();
        }
        return new Pipeline(processor, worker, thread, topics, workerMeters, workerHttp);
    }

    static List<String> ensureTopics(final Settings settings, final Topics topics) throws InterruptedException {
        final Map<String, Object> props = new HashMap<>(settings.kafkaOverrides());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.string(CommonSettings.BOOTSTRAP_SERVERS.name()));
        final int partitions = settings.intIn(CommonSettings.TOPIC_PARTITIONS.name(), 1, 10_000);
        final short replication = (short) settings.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32);
        final int minIsr = minInsyncReplicas(settings);
        try (Admin admin = Admin.create(props)) {
            return TopicAdmin.ensureTopics(admin, topics, partitions, replication, minIsr);
        }
    }

    /** {@code topic.min.insync.replicas}, checked against {@code topic.replication.factor} before anything is created. */
    static int minInsyncReplicas(final Settings settings) {
        final int replication = settings.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32);
        final int minIsr = settings.intIn(CommonSettings.TOPIC_MIN_ISR.name(), -1, 32);
        if (minIsr == 0) {
            throw new ConfigException(CommonSettings.TOPIC_MIN_ISR.name(), "0 is not allowed: use -1 for the broker's default, or 1 and up");
        }
        if (replication > 0 && minIsr > replication) {
            throw new ConfigException(CommonSettings.TOPIC_MIN_ISR.name(), "value " + minIsr + " is above "
                    + CommonSettings.TOPIC_REPLICATION.name() + " " + replication + ": every acks=all write would fail");
        }
        return minIsr;
    }

    public Topics topics() {
        return topics;
    }

    public StreamsApp processor() {
        return processor;
    }

    /** The worker's metrics and health endpoint ({@code http://host:port}), or null when there is none. */
    public String workerEndpoint() {
        return workerHttp == null ? null : "http://" + workerHttp.host() + ":" + workerHttp.port();
    }

    /** Stops taking work, drains what is in flight, then stops the stream processor. */
    @Override
    public void close() {
        if (worker != null) {
            worker.close();
            try {
                workerThread.join(30_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (workerHttp != null) {
                workerHttp.close();
            }
            workerMeters.close();
        }
        if (processor != null) {
            processor.close();
        }
    }
}
