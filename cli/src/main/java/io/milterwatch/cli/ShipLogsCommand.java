package io.milterwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Tails a log file onto the raw firewall topic, one record per line, until interrupted. */
@Command(name = "ship-logs", mixinStandardHelpOptions = true,
        description = {"Follow a firewall log file (across rotation and truncation) and send each line to the raw firewall topic.",
                "A line longer than --max-line-bytes, or refused by Kafka as too large, goes to the DLQ topic instead (cut, with the "
                        + "reason, the file and the line's byte offset in headers), and shipping goes on."},
        exitCodeList = {"130:stopped with Ctrl-C, after sending what was read"},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch ship-logs /var/log/ufw.log",
                "  milterwatch ship-logs --from-beginning --device edge-fw-1 /var/log/firewall/edge.log"})
public final class ShipLogsCommand implements java.util.concurrent.Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ShipLogsCommand.class);

    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "FILE", description = "Log file to follow")
    Path file;

    @Option(names = "--from-beginning", description = "Send the lines already in the file too (default: only new lines)")
    boolean fromBeginning;

    @Option(names = "--once", description = "Send every line of FILE, from its start to its end, then exit (a finished or archived "
            + "log; implies --from-beginning). Exit 0 once Kafka has acknowledged every line")
    boolean once;

    @Option(names = "--device", paramLabel = "NAME", description = "Record key: the device, for lines that do not name one")
    String device;

    @Option(names = "--max-line-bytes", paramLabel = "BYTES", defaultValue = "" + LogShipper.DEFAULT_MAX_LINE_BYTES,
            description = "Longest line sent as a record (default ${DEFAULT-VALUE}, under Kafka's default 1 MiB request size); "
                    + "longer lines go to the DLQ")
    int maxLineBytes;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("--max-line-bytes " + maxLineBytes + " is not a positive number of bytes");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("FILE '" + file + "' is not a readable file");
        }
        final Settings s = connection.settings();
        final Topics topics = connection.topics(s);
        try (KafkaProducer<byte[], byte[]> producer = producer(s);
             LogShipper shipper = new LogShipper(file, fromBeginning || once, device, producer, topics.firewallRaw(), topics.dlq(),
                     maxLineBytes)) {
            if (once) {
                shipper.once();
            }
            shipper.start();
            Runtime.getRuntime().addShutdownHook(new Thread(shipper::close, "ship-logs-stop"));
            spec.commandLine().getErr().println("shipping " + file + " to " + topics.firewallRaw()
                    + (once ? " (to its end)" : " (Ctrl-C to stop)"));
            while (shipper.awaitFailure(Duration.ofSeconds(1))) {
                LOG.debug("{} lines shipped so far", shipper.lines());
            }
            producer.flush();
            // A send refused after the last line was read fails here, after the flush, not silently.
            if (shipper.failure() != null) {
                throw new IllegalStateException("sending to Kafka failed: " + shipper.failure().getMessage(), shipper.failure());
            }
            LOG.info("shipped {} lines from {} ({} too long for Kafka, sent to {})", shipper.lines(), file, shipper.deadLettered(),
                    topics.dlq());
            if (once) {
                spec.commandLine().getOut().println("shipped " + shipper.lines() + " line(s) of " + file + " to " + topics.firewallRaw()
                        + (shipper.deadLettered() > 0 ? " (" + shipper.deadLettered() + " too long, sent to " + topics.dlq() + ")" : ""));
            }
        }
        return 0;
    }

    public static KafkaProducer<byte[], byte[]> producer(final Settings s) {
        final Map<String, Object> props = new HashMap<>(s.kafkaOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.string("bootstrap.servers"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
