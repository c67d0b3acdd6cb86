package io.milterwatch.worker.consume;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.metrics.WorkerMetrics;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.publish.ResultPublisher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One probe request from taken to done: decoded (or sent to the DLQ with the reason), probed (or
 * answered at once when its deadline passed), and each of its results published the moment its
 * probe ends, not when the rest of the poll's requests end. When the broker has acknowledged every
 * record the request produced, or refused one, the outcome is handed to {@code done} (from a
 * producer or publishing thread: the poll thread collects it).
 */
final class RequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    private static final String STAGE = "probe-worker";

    /**
     * How a request ended.
     *
     * @param ticket      the record in the offset ledger
     * @param results     results acknowledged
     * @param deadLetters DLQ records acknowledged
     * @param notWritten  why a record was not acknowledged, or null
     * @param probeFailed why the probe failed instead of giving an outcome (a bug), or null
     */
    record Completion(OffsetLedger.Ticket ticket, int results, int deadLetters, Throwable notWritten, Throwable probeFailed) {
    }

    private final String dlqTopic;
    private final ProbeEngine engine;
    private final ResultPublisher publisher;
    private final WorkerMetrics metrics;
    private final Executor publishing;
    private final Consumer<Completion> done;
    private final AtomicLong probed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    /**
     * @param publishing where results are sent from when a probe ends (not the engine's reactor threads:
     *                   a send can block while the producer's buffer is full)
     */
    RequestHandler(final String dlqTopic, final ProbeEngine engine, final ResultPublisher publisher, final WorkerMetrics metrics,
            final Executor publishing, final Consumer<Completion> done) {
        this.dlqTopic = dlqTopic;
        this.engine = engine;
        this.publisher = publisher;
        this.metrics = metrics;
        this.publishing = publishing;
        this.done = done;
    }

    void handle(final ConsumerRecord<byte[], byte[]> record, final OffsetLedger.Ticket ticket, final long now) {
        final ProbeRequest request;
        try {
            request = Records.PROBE_REQUEST.decode(record.topic(), record.value());
            if (request == null) {
                throw new IllegalArgumentException("null value (a tombstone) is not a probe request");
            }
        } catch (final RuntimeException e) {
            LOG.warn("probe request at {}-{}@{} to the DLQ: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLettered.incrementAndGet();
            final Callback acknowledged = (metadata, error) -> done.accept(new Completion(ticket, 0, error == null ? 1 : 0, error, null));
            send(() -> publisher.deadLetter(Dlq.record(dlqTopic, STAGE, e.getMessage(), record.topic(), record.partition(), record.offset(),
                    record.key(), record.value()), acknowledged), acknowledged);
            return;
        }
        final CompletableFuture<List<ProbeResult>> probe;
        if (request.getDeadlineMs() > 0 && request.getDeadlineMs() < now) {
            final List<ProbeResult> expired = new ArrayList<>();
            final List<Integer> ports = engine.portsOf(request);
            // An expired sweep gets one result saying so, not one per port of its range.
            for (final int port : request.getPortRanges().isEmpty() ? ports : ports.subList(0, 1)) {
                expired.add(engine.refused(request, port, "request expired: its deadline passed "
                        + (now - request.getDeadlineMs()) + " ms before this worker took it"));
            }
            probe = CompletableFuture.completedFuture(expired);
        } else {
            probe = engine.probe(request);
        }
        probe.whenCompleteAsync((results, error) -> {
            if (error != null) {
                done.accept(new Completion(ticket, 0, 0, null, error));
            } else {
                publish(ticket, results);
            }
        }, publishing);
    }

    private void publish(final OffsetLedger.Ticket ticket, final List<ProbeResult> results) {
        if (results.isEmpty()) {
            done.accept(new Completion(ticket, 0, 0, null, null));
            return;
        }
        final AtomicInteger outstanding = new AtomicInteger(results.size());
        final AtomicReference<Throwable> firstError = new AtomicReference<>();
        for (final ProbeResult result : results) {
            probed.incrementAndGet();
            metrics.probed(result);
            final Callback acknowledged = (metadata, error) -> {
                if (error != null) {
                    firstError.compareAndSet(null, error);
                }
                if (outstanding.decrementAndGet() == 0) {
                    final Throwable e = firstError.get();
                    done.accept(new Completion(ticket, e == null ? results.size() : 0, 0, e, null));
                }
            };
            send(() -> publisher.publish(result, acknowledged), acknowledged);
        }
    }

    /** A send that throws instead of calling back (a closed producer, an interrupt) is reported as not acknowledged. */
    private static void send(final Runnable send, final Callback acknowledged) {
        try {
            send.run();
        } catch (final RuntimeException e) {
            acknowledged.onCompletion(null, e);
        }
    }

    long probed() {
        return probed.get();
    }

    long deadLettered() {
        return deadLettered.get();
    }
}
