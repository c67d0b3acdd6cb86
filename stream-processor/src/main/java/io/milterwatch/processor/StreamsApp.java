package io.milterwatch.processor;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.milterwatch.config.ConfigException;
import io.milterwatch.config.KafkaNames;
import io.milterwatch.config.Launcher;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.processor.error.BoundedThreadReplacement;
import io.milterwatch.processor.error.DeadLetterDeserializationHandler;
import io.milterwatch.processor.error.DeadLetterProcessingHandler;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.processor.metrics.ProcessorEndpoints;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.processor.metrics.StreamsHealth;
import io.milterwatch.processor.query.AlertFeed;
import io.milterwatch.processor.query.QueryServer;
import io.milterwatch.processor.topology.MilterwatchTopology;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stream processor: exactly_once_v2, every internal resource explicitly named, DLQ handlers.
 * Its meters (see {@link ProcessorMetrics}) and health checks are served with the query API.
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
    private static final int MAX_THREAD_REPLACEMENTS = 5;

    /** The role jar's flag that prints the topology (the committed snapshot) and exits. */
    public static final String DESCRIBE = "--describe-topology";

    static {
        // Must precede the first use of any Avro class: Avro reads it once, when it first checks a class.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.milterwatch.schema");
        }
    }

    private final ProcessorConfig config;
    private final KafkaStreams streams;
    private final PrometheusMetrics prometheus;
    private final ProcessorMetrics metrics;
    private final StreamsHealth health;
    private final ProcessorMetrics.Binding streamsMeters;
    private final StoreDeadLetters storeDeadLetters;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;
    private AlertFeed alertFeed;
    private QueryServer query;
    private io.milterwatch.metrics.PeriodicSummary summary;

    public StreamsApp(final ProcessorConfig config) {
        this.config = config;
        this.prometheus = PrometheusMetrics.create("application", config.applicationId());
        this.metrics = new ProcessorMetrics(prometheus.registry());
        this.storeDeadLetters = new StoreDeadLetters(config.topics().dlq(), this::sendDeadLetter, prometheus.registry());
        final Topology topology = MilterwatchTopology.build(config.topics(), config, metrics, storeDeadLetters);
        this.streams = new KafkaStreams(topology, properties(config));
        streams.setUncaughtExceptionHandler(new BoundedThreadReplacement(MAX_THREAD_REPLACEMENTS));
        this.health = new StreamsHealth(streams, storeDeadLetters::count);
        this.streamsMeters = metrics.bindStreams(streams);
    }

    /** Streams properties; public so tests (TopologyTestDriver) run with the very same settings. */
    public static Properties properties(final ProcessorConfig config) {
        final Map<String, Object> p = new HashMap<>(config.kafkaOverrides());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().dlq());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Static membership for the main consumer only (Streams appends each stream thread's index); an id set
        // through KAFKA_GROUP_INSTANCE_ID is the operator's and left alone.
        if (config.groupInstanceId() != null && !config.kafkaOverrides().containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.groupInstanceId());
        }
        if (config.httpPort() != 0) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.httpAdvertised());
        }
        final Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /**
     * Writes a dead letter for a store value: with a producer of its own, created at the first one
     * (most runs never need it), outside the stream's transactions.
     */
    private synchronized void sendDeadLetter(final ProducerRecord<byte[], byte[]> record) {
        if (deadLetterProducer == null) {
            final Map<String, Object> p = new HashMap<>(config.kafkaOverrides());
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            p.put(ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-store-dead-letters");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            deadLetterProducer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        deadLetterProducer.send(record, (metadata, e) -> {
            if (e != null) {
                LOG.error("cannot write the dead letter of an undecodable store value to {}: {}", record.topic(), e.getMessage());
            }
        });
    }

    public void start() throws IOException {
        streams.start();
        summary = io.milterwatch.metrics.PeriodicSummary.start("stream-processor", LOG, config.scale().logSummary(), prometheus.registry(),
                StreamsApp::summaryLine);
        if (config.httpPort() != 0) {
            alertFeed = new AlertFeed(config.bootstrapServers(), config.kafkaOverrides(), config.topics());
            final Thread feed = new Thread(alertFeed, "alert-feed");
            feed.setDaemon(true);
            feed.start();
            try {
                query = new QueryServer(streams, alertFeed, config.httpHost(), config.httpPort(),
                        HostInfo.buildFromEndpoint(config.httpAdvertised()), config.httpToken(), config.httpAllowedHosts(),
                        storeDeadLetters::count, metrics);
                ProcessorEndpoints.register(query, prometheus.registry(), health);
            } catch (final java.net.BindException e) {
                close();
                throw new ConfigException(ProcessorSettings.HTTP_PORT.name(), config.httpHost() + ":" + config.httpPort()
                        + " is already in use; choose another port (env " + ProcessorSettings.HTTP_PORT.env() + ") or 0 to disable the query API");
            }
            query.start();
        }
        LOG.info("stream processor '{}' started: {} -> {}", config.applicationId(), config.topics().targets(), config.topics().alertsExposure());
    }

    /** The processor's periodic summary line: what happened over the period, and the endpoints per state now. */
    static String summaryLine(final io.milterwatch.metrics.PeriodicSummary.Since since) {
        return String.format(java.util.Locale.ROOT, "last %d s: targets %s, %,d scheduled probe request(s) (longest tick %.1f ms, %,d overdue), "
                        + "%,d alert(s) %s, %,d firewall line(s) %s, %,d sweep port(s) unanswered; endpoints now %s",
                since.period().toSeconds(), since.countBy(ProcessorMetrics.TARGET_CHANGES, "change"), since.count(ProcessorMetrics.SCHEDULE_DUE),
                since.maxMs(ProcessorMetrics.SCHEDULE_TICK), since.gauge(ProcessorMetrics.SCHEDULE_OVERDUE), since.count(ProcessorMetrics.ALERTS),
                since.countBy(ProcessorMetrics.ALERTS, "kind"), since.count(ProcessorMetrics.FIREWALL_LINES),
                since.countBy(ProcessorMetrics.FIREWALL_LINES, "status"), since.count(ProcessorMetrics.SWEPT_UNANSWERED),
                since.gaugesBy(ProcessorMetrics.ENDPOINTS, "state"));
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ProcessorMetrics metrics() {
        return metrics;
    }

    /** Store values found undecodable and sent to the DLQ since start. */
    public long undecodableStoreValues() {
        return storeDeadLetters.count();
    }

    public StreamsHealth health() {
        return health;
    }

    /** The query API's port, or -1 when it is disabled. */
    public int queryPort() {
        return query == null ? -1 : query.port();
    }

    /**
     * Closes and leaves the consumer group, so that a restarted (or another) instance takes the
     * partitions over at once instead of after the old member's session timeout.
     */
    @Override
    public void close() {
        // Not ready from now on; the health endpoints keep answering (503) while the client closes.
        health.closing();
        if (summary != null) {
            summary.close();
        }
        if (alertFeed != null) {
            alertFeed.close();
        }
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        if (query != null) {
            query.close();
        }
        synchronized (this) {
            if (deadLetterProducer != null) {
                deadLetterProducer.close(Duration.ofSeconds(10));
            }
        }
        streamsMeters.close();
        prometheus.close();
    }

    /**
     * Entry point of the slim {@code milterwatch-processor.jar}: creates missing topics, starts the
     * processor and its query API, and runs until SIGTERM / Ctrl-C. {@code milterwatch processor} does the same.
     */
    public static void main(final String[] args) {
        if (args.length == 1 && DESCRIBE.equals(args[0])) {
            // What the committed stream-processor/topology.txt holds: every topic, store and operator by name.
            System.out.print(describe());
            return;
        }
        final StreamsApp app;
        try {
            final Settings settings = Launcher.settings("processor", args, ProcessorSettings.all(),
                    KafkaNames.with(StreamsConfig.configDef().names()));
            final ProcessorConfig config = ProcessorConfig.from(settings);
            TopicProvisioner.ensureTopics(settings, config.topics());
            app = new StreamsApp(config);
            app.start();
        } catch (final Exception e) {
            System.exit(Launcher.failure("processor", e));
            return;
        }
        try {
            Launcher.runUntilStopped(app);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The topology with the default settings and topic names, as {@code topology.txt} commits it. */
    public static String describe() {
        final io.milterwatch.kafka.Topics topics = io.milterwatch.kafka.Topics.defaults();
        return MilterwatchTopology.build(topics, ProcessorConfig.defaults(topics)).describe().toString();
    }
}
