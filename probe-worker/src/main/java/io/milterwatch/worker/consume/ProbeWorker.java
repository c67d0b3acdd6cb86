package io.milterwatch.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.publish.ResultPublisher;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe worker's poll loop. Each poll's requests are probed in parallel; their results (and
 * any DLQ records) are sent with an idempotent producer, and the offsets are committed only once
 * the broker has acknowledged every one of them. A crash before the commit means the group hands
 * the same requests out again: at-least-once, nothing lost.
 *
 * <p>Shutdown follows the KafkaConsumer Javadoc: {@link #close()} sets a flag and wakes the
 * consumer; the batch in hand is finished and committed before the loop exits.
 */
public final class ProbeWorker implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorker.class);
    private static final String STAGE = "probe-worker";

    private final WorkerConfig config;
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private static final long MAX_BACKOFF_MS = 60_000;
    private int failedBatches;
    private final AtomicLong probed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    public ProbeWorker(final WorkerConfig config) {
        this.config = config;
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             ResultPublisher publisher = new ResultPublisher(config);
             ProbeEngine engine = new ProbeEngine(config.engine(), config.vantage(), config.zone())) {
            consumer = c;
            c.subscribe(List.of(config.topics().probeRequests()));
            LOG.info("probe worker '{}' ({}) consuming {} as group {}", config.vantage(), config.zone(), config.topics().probeRequests(),
                    config.groupId());
            while (!closed.get()) {
                final ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(500));
                } catch (final WakeupException e) {
                    if (closed.get()) {
                        break;
                    }
                    throw e;
                }
                if (!records.isEmpty()) {
                    if (handleBatch(c, records, engine, publisher)) {
                        failedBatches = 0;
                    } else {
                        backOff();
                    }
                }
            }
        } catch (final RuntimeException e) {
            LOG.error("probe worker '{}' stopped on an unexpected error", config.vantage(), e);
            throw e;
        } finally {
            stopped.countDown();
            LOG.info("probe worker '{}' stopped after {} probes, {} records to the DLQ", config.vantage(), probed.get(), deadLettered.get());
        }
    }

    /**
     * A batch whose results could not be written is probed again, but not at once: a failure that
     * persists (a broker refusing the results) must not turn the worker into a loop that hammers
     * its targets. Waits 0.5 s, 1 s, 2 s ... up to 60 s between attempts; close() cuts it short.
     */
    private void backOff() {
        failedBatches++;
        final long waitMs = Math.min(MAX_BACKOFF_MS, 500L << Math.min(failedBatches - 1, 16));
        LOG.warn("probe worker '{}': batch failed {} time(s) in a row; next attempt in {} ms", config.vantage(), failedBatches, waitMs);
        try {
            closeSignal.await(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether every result was acknowledged and the offsets committed */
    private boolean handleBatch(final KafkaConsumer<byte[], byte[]> c, final ConsumerRecords<byte[], byte[]> records,
            final ProbeEngine engine, final ResultPublisher publisher) {
        final List<CompletableFuture<List<ProbeResult>>> probes = new ArrayList<>();
        final List<Future<RecordMetadata>> sends = new ArrayList<>();
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        final long now = System.currentTimeMillis();
        for (final ConsumerRecord<byte[], byte[]> record : records) {
            offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            final ProbeRequest request;
            try {
                request = Records.PROBE_REQUEST.decode(record.topic(), record.value());
                if (request == null) {
                    throw new IllegalArgumentException("null value (a tombstone) is not a probe request");
                }
            } catch (final RuntimeException e) {
                LOG.warn("probe request at {}-{}@{} to the DLQ: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
                deadLettered.incrementAndGet();
                sends.add(publisher.deadLetter(Dlq.record(config.topics().dlq(), STAGE, e.getMessage(), record.topic(), record.partition(),
                        record.offset(), record.key(), record.value())));
                continue;
            }
            if (request.getDeadlineMs() > 0 && request.getDeadlineMs() < now) {
                final List<ProbeResult> expired = new ArrayList<>();
                for (final int port : engine.portsOf(request)) {
                    expired.add(engine.refused(request, port, "request expired: its deadline passed "
                            + (now - request.getDeadlineMs()) + " ms before this worker took it"));
                }
                probes.add(CompletableFuture.completedFuture(expired));
                continue;
            }
            probes.add(engine.probe(request));
        }
        for (final CompletableFuture<List<ProbeResult>> probe : probes) {
            for (final ProbeResult result : probe.join()) {
                probed.incrementAndGet();
                sends.add(publisher.publish(result));
            }
        }
        publisher.flush();
        try {
            for (final Future<RecordMetadata> send : sends) {
                send.get();
            }
        } catch (final ExecutionException e) {
            // Not acknowledged: do not commit; go back to the last committed offsets and probe again.
            LOG.error("results not acknowledged by the broker ({}); the batch will be probed again", e.getCause().getMessage());
            rewind(c, offsets.keySet());
            return false;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            rewind(c, offsets.keySet());
            return false;
        }
        c.commitSync(offsets);
        return true;
    }

    private static void rewind(final KafkaConsumer<byte[], byte[]> c, final Set<TopicPartition> partitions) {
        final Map<TopicPartition, OffsetAndMetadata> committed = c.committed(partitions);
        for (final TopicPartition tp : partitions) {
            final OffsetAndMetadata at = committed.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToBeginning(List.of(tp));
            }
        }
    }

    private Map<String, Object> consumerProps() {
        final Map<String, Object> props = new HashMap<>(config.kafkaOverrides());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "milterwatch-probe-" + config.vantage());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        return props;
    }

    public long probed() {
        return probed.get();
    }

    /** Stops taking work; the batch in hand is finished and committed. Waits for the loop to end. */
    @Override
    public void close() {
        closeSignal.countDown();
        if (closed.compareAndSet(false, true)) {
            final KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Signals the loop to stop without waiting (for when run() was never started). */
    public void signalStop() {
        closeSignal.countDown();
        closed.set(true);
        final KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }
}
