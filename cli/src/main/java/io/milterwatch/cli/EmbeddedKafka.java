package io.milterwatch.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) inside this JVM, with its data
 * under {@code dataDir/kafka}, kept across restarts. Formatted on first start only. Internal topics
 * use one replica so that transactions, and with them exactly_once_v2, work on one node.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDir;

    private EmbeddedKafka(final KafkaRaftServer server, final String bootstrapServers, final Path logDir) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
    }

    /** A loopback port nothing listened on a moment ago, for a broker or controller listener (bind it soon). */
    public static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.1"), 0));
            return s.getLocalPort();
        }
    }

    public static EmbeddedKafka start(final Path dataDir, final String host, final int port, final int controllerPort) throws IOException {
        requireFree(host, port, "--kafka-port");
        requireFree(host, controllerPort, "--controller-port");
        final Path logDir = dataDir.toAbsolutePath().resolve("kafka");
        Files.createDirectories(logDir);
        final Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "false");
        final Path config = dataDir.toAbsolutePath().resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            p.store(out, "embedded milterwatch broker (written at every start)");
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            final ByteArrayOutputStream captured = new ByteArrayOutputStream();
            final int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
                    "--ignore-formatted"}, new PrintStream(captured, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IOException("cannot format Kafka storage in " + logDir + ": " + captured.toString(StandardCharsets.UTF_8));
            }
            LOG.info("formatted new Kafka storage in {}", logDir);
        }
        final KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(p, false), Time.SYSTEM);
        server.startup();
        final String bootstrap = host + ":" + port;
        awaitReady(bootstrap);
        return new EmbeddedKafka(server, bootstrap, logDir);
    }

    private static void requireFree(final String host, final int port, final String option) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (final IOException e) {
            throw new IllegalArgumentException("port " + port + " on " + host + " is already in use (another milterwatch or Kafka?); "
                    + "stop it, choose another with " + option + ", or use that cluster with --bootstrap-servers");
        }
    }

    private static void awaitReady(final String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new IllegalStateException("embedded Kafka broker did not become ready at " + bootstrap + ": " + e.getMessage(), e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
