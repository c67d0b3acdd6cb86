package io.milterwatch.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.milterwatch.kafka.Dlq;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each line of a followed log file to the raw firewall topic, one record per line, keyed by
 * the device when one is given. The producer is the caller's (idempotent, acks=all).
 *
 * <p>A line too long for Kafka (longer than {@code maxLineBytes}, or refused by the producer or
 * broker as too large) goes to the DLQ instead, cut to {@link Dlq#MAX_VALUE_BYTES}, with the
 * reason, the file and the line's byte offset in headers, and shipping goes on. Any other failed
 * send stops the shipping, so that no line is silently lost.
 */
final class LogShipper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogShipper.class);
    static final String STAGE = "ship-logs";
    /** Under the producer's default max.request.size (1 MiB) with room for the record's overhead and key. */
    static final int DEFAULT_MAX_LINE_BYTES = 1_000_000;

    private final Path file;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String dlqTopic;
    private final byte[] key;
    private final LogTailer tailer;
    private final Thread thread;
    /** DLQ writes for lines the broker refused leave the producer's callback thread, which must not block on a send. */
    private final ExecutorService deadLetters = Executors.newSingleThreadExecutor(r -> {
        final Thread t = new Thread(r, "ship-logs-dlq");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CountDownLatch failed = new CountDownLatch(1);
    private final AtomicLong deadLettered = new AtomicLong();

    LogShipper(final Path file, final boolean fromBeginning, final String device, final Producer<byte[], byte[]> producer,
            final String topic) {
        this(file, fromBeginning, device, producer, topic, null, DEFAULT_MAX_LINE_BYTES);
    }

    /** @param dlqTopic where lines too long for Kafka go; null stops the shipping on such a line, as any failed send does */
    LogShipper(final Path file, final boolean fromBeginning, final String device, final Producer<byte[], byte[]> producer,
            final String topic, final String dlqTopic, final int maxLineBytes) {
        this.file = file;
        this.producer = producer;
        this.topic = topic;
        this.dlqTopic = dlqTopic;
        this.key = device == null ? null : device.getBytes(StandardCharsets.UTF_8);
        this.tailer = new LogTailer(file, fromBeginning, Duration.ofMillis(250), maxLineBytes, this::ship);
        this.thread = new Thread(tailer, "ship-logs");
    }

    private void ship(final LogTailer.Line line) {
        if (line.cut() && dlqTopic != null) {
            deadLetter(line, "line of " + line.length() + " bytes is longer than the maximum of " + line.bytes().length
                    + " bytes a record of " + topic + " may hold");
            return;
        }
        producer.send(new ProducerRecord<>(topic, key, line.bytes()), (metadata, e) -> {
            if (e == null) {
                return;
            }
            if (e instanceof RecordTooLargeException && dlqTopic != null) {
                deadLetters.execute(() -> deadLetter(line, "Kafka refused the line of " + line.length() + " bytes: " + e.getMessage()));
            } else {
                fail(e, "sending a line of " + file + " to " + topic);
            }
        });
    }

    private void deadLetter(final LogTailer.Line line, final String reason) {
        LOG.warn("{} at byte {}: {}; sent to {} instead", file, line.offset(), reason, dlqTopic);
        final ProducerRecord<byte[], byte[]> record = Dlq.record(dlqTopic, STAGE, reason, topic, -1, -1, key, line.bytes());
        final Headers headers = record.headers();
        headers.add(Dlq.SOURCE_FILE, file.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(Dlq.SOURCE_FILE_OFFSET, Long.toString(line.offset()).getBytes(StandardCharsets.UTF_8));
        headers.remove(Dlq.ORIGINAL_VALUE_BYTES);
        if (line.length() > record.value().length) {
            headers.add(Dlq.ORIGINAL_VALUE_BYTES, Long.toString(line.length()).getBytes(StandardCharsets.UTF_8));
        }
        producer.send(record, (metadata, e) -> {
            if (e != null) {
                fail(e, "sending a too-long line of " + file + " to " + dlqTopic);
            } else {
                deadLettered.incrementAndGet();
            }
        });
    }

    private void fail(final Exception e, final String what) {
        if (failure.compareAndSet(null, e)) {
            LOG.error("{} failed: {}", what, e.getMessage());
            failed.countDown();
        }
    }

    LogShipper start() {
        thread.start();
        return this;
    }

    /** Ships the file up to its end, then stops (the tailer's thread ends; {@link #awaitFailure} returns false). */
    LogShipper once() {
        tailer.stopAtEnd();
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

    /** Lines written to the DLQ (acknowledged) instead of the raw topic. */
    long deadLettered() {
        return deadLettered.get();
    }

    @Override
    public void close() {
        tailer.close();
        deadLetters.shutdown();
        try {
            deadLetters.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
