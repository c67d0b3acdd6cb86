package io.milterwatch.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        description = "Follow a firewall log file (across rotation) and send each line to the raw firewall topic.")
final class ShipLogsCommand implements java.util.concurrent.Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ShipLogsCommand.class);

    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "FILE", description = "Log file to follow")
    Path file;

    @Option(names = "--from-beginning", description = "Send the lines already in the file too (default: only new lines)")
    boolean fromBeginning;

    @Option(names = "--device", paramLabel = "NAME", description = "Record key: the device, for lines that do not name one")
    String device;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("FILE '" + file + "' is not a readable file");
        }
        final Settings s = connection.settings();
        final Topics topics = connection.topics(s);
        final byte[] key = device == null ? null : device.getBytes(StandardCharsets.UTF_8);
        final AtomicReference<Exception> failure = new AtomicReference<>();
        final CountDownLatch failed = new CountDownLatch(1);
        try (KafkaProducer<byte[], byte[]> producer = producer(s)) {
            final LogTailer tailer = new LogTailer(file, fromBeginning, Duration.ofMillis(250), line ->
                    producer.send(new ProducerRecord<>(topics.firewallRaw(), key, line.getBytes(StandardCharsets.UTF_8)), (m, e) -> {
                        if (e != null && failure.compareAndSet(null, e)) {
                            failed.countDown();
                        }
                    }));
            final Thread thread = new Thread(tailer, "ship-logs");
            Runtime.getRuntime().addShutdownHook(new Thread(tailer::close, "ship-logs-stop"));
            thread.start();
            spec.commandLine().getErr().println("shipping " + file + " to " + topics.firewallRaw() + " (Ctrl-C to stop)");
            while (thread.isAlive() && failed.getCount() > 0) {
                failed.await(1, java.util.concurrent.TimeUnit.SECONDS);
            }
            tailer.close();
            producer.flush();
            LOG.info("shipped {} lines from {}", tailer.lines(), file);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("sending to Kafka failed: " + failure.get().getMessage(), failure.get());
        }
        return 0;
    }

    static KafkaProducer<byte[], byte[]> producer(final Settings s) {
        final Map<String, Object> props = new HashMap<>(s.kafkaOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.string("bootstrap.servers"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
