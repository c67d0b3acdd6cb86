package io.milterwatch.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each line of a followed log file to the raw firewall topic, one record per line, keyed by
 * the device when one is given. The producer is the caller's (idempotent, acks=all); a send that
 * fails stops the shipping, so that no line is silently lost.
 */
final class LogShipper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogShipper.class);

    private final LogTailer tailer;
    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CountDownLatch failed = new CountDownLatch(1);

    LogShipper(final Path file, final boolean fromBeginning, final String device, final Producer<byte[], byte[]> producer,
            final String topic) {
        final byte[] key = device == null ? null : device.getBytes(StandardCharsets.UTF_8);
        this.tailer = new LogTailer(file, fromBeginning, Duration.ofMillis(250), line ->
                producer.send(new ProducerRecord<>(topic, key, line.getBytes(StandardCharsets.UTF_8)), (metadata, e) -> {
                    if (e != null && failure.compareAndSet(null, e)) {
                        LOG.error("sending a line of {} to {} failed: {}", file, topic, e.getMessage());
                        failed.countDown();
                    }
                }));
        this.thread = new Thread(tailer, "ship-logs");
    }

    LogShipper start() {
        thread.start();
        return this;
    }

    /** Waits until the tailer stops or a send fails; true when it is still running after {@code timeout}. */
    boolean awaitFailure(final Duration timeout) throws InterruptedException {
        failed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return thread.isAlive() && failure.get() == null;
    }

    Exception failure() {
        return failure.get();
    }

    long lines() {
        return tailer.lines();
    }

    @Override
    public void close() {
        tailer.close();
    }
}
