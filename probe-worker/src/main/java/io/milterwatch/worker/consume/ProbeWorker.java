package io.milterwatch.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.metrics.Health;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.metrics.WorkerMetrics;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.publish.ResultPublisher;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
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
 *
 * <p>Health, for the worker's {@code /health} endpoints: {@link #liveness()} fails when the loop
 * stopped on an error or has not come back (from a poll, a collected probe or a back-off) for the
 * consumer's {@code max.poll.interval.ms}, after which the group would have dropped it anyway;
 * {@link #readiness()} passes while the loop polls, has partitions assigned and its last batch was
 * acknowledged.
 */
public final class ProbeWorker implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorker.class);
    private static final String STAGE = "probe-worker";

    private final WorkerConfig config;
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private static final long MAX_BACKOFF_MS = 60_000;
    private volatile int failedBatches;
    private final AtomicLong probed = new AtomicLong();
    private final AtomicLong keepAlivePolls = new AtomicLong();
    private final long keepAliveMs;
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private final WorkerMetrics metrics;
    private final long stuckAfterMs;
    private volatile boolean running;
    private volatile boolean polledOnce;
    private volatile long lastActivityNanos;
    private volatile int assignedPartitions;
    private volatile String failure;

    /** A worker whose meters no one reads (tests, embedded uses). */
    public ProbeWorker(final WorkerConfig config) {
        this(config, new WorkerMetrics(new SimpleMeterRegistry()));
    }

    public ProbeWorker(final WorkerConfig config, final WorkerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.stuckAfterMs = maxPollIntervalMs(config);
        this.keepAliveMs = Math.max(100L, stuckAfterMs / 3);
    }

    private static long maxPollIntervalMs(final WorkerConfig config) {
        final Object set = config.kafkaOverrides().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        try {
            return set == null ? 300_000L : Long.parseLong(set.toString().trim());
        } catch (final NumberFormatException e) {
            throw new io.milterwatch.config.ConfigException(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "'" + set + "' is not a number");
        }
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             ResultPublisher publisher = new ResultPublisher(config);
             ProbeEngine engine = new ProbeEngine(config.engine(), config.vantage(), config.zone());
             WorkerMetrics.Binding kafkaMeters = metrics.bindKafkaClients(c, publisher.producer())) {
            consumer = c;
            metrics.engine(engine);
            c.subscribe(List.of(config.topics().probeRequests()));
            lastActivityNanos = System.nanoTime();
            running = true;
            LOG.info("probe worker '{}' ({}) consuming {} as group {}", config.vantage(), config.zone(), config.topics().probeRequests(),
                    config.groupId());
            while (!closed.get()) {
                final ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(500));
                    lastActivityNanos = System.nanoTime();
                    polledOnce = true;
                    assignedPartitions = c.assignment().size();
                } catch (final WakeupException e) {
                    if (closed.get()) {
                        break;
                    }
                    throw e;
                }
                if (!records.isEmpty()) {
                    final boolean done;
                    try {
                        done = handleBatch(c, records, engine, publisher);
                    } finally {
                        c.resume(c.assignment());
                    }
                    if (done) {
                        failedBatches = 0;
                    } else {
                        backOff();
                    }
                }
            }
        } catch (final RuntimeException e) {
            if (e instanceof WakeupException && closed.get()) {
                // close() woke the consumer inside a batch (a commit, a rewind): a normal stop
                return;
            }
            failure = e.toString();
            LOG.error("probe worker '{}' stopped on an unexpected error", config.vantage(), e);
            throw e;
        } finally {
            running = false;
            metrics.engine(null);
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
        metrics.batchFailed();
        final long waitMs = Math.min(MAX_BACKOFF_MS, 500L << Math.min(failedBatches - 1, 16));
        LOG.warn("probe worker '{}': batch failed {} time(s) in a row; next attempt in {} ms", config.vantage(), failedBatches, waitMs);
        try {
            closeSignal.await(waitMs, TimeUnit.MILLISECONDS);
            lastActivityNanos = System.nanoTime();
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
        int results = 0;
        int dlq = 0;
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
                dlq++;
                sends.add(publisher.deadLetter(Dlq.record(config.topics().dlq(), STAGE, e.getMessage(), record.topic(), record.partition(),
                        record.offset(), record.key(), record.value())));
                continue;
            }
            if (request.getDeadlineMs() > 0 && request.getDeadlineMs() < now) {
                final List<ProbeResult> expired = new ArrayList<>();
                final List<Integer> ports = engine.portsOf(request);
                // An expired sweep gets one result saying so, not one per port of its range.
                for (final int port : request.getPortRanges().isEmpty() ? ports : ports.subList(0, 1)) {
                    expired.add(engine.refused(request, port, "request expired: its deadline passed "
                            + (now - request.getDeadlineMs()) + " ms before this worker took it"));
                }
                probes.add(CompletableFuture.completedFuture(expired));
                continue;
            }
            probes.add(engine.probe(request));
        }
        for (final CompletableFuture<List<ProbeResult>> probe : probes) {
            for (final ProbeResult result : awaitKeepingMembership(c, probe)) {
                probed.incrementAndGet();
                metrics.probed(result);
                results++;
                sends.add(publisher.publish(result));
            }
            lastActivityNanos = System.nanoTime();
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
        metrics.acknowledged(results, dlq);
        try {
            c.commitSync(offsets);
        } catch (final CommitFailedException | RebalanceInProgressException e) {
            // The results are written; only the offsets are lost. The group gives these requests to a
            // member (maybe this one) that probes them again, and the processor recognises the
            // redelivered results by request id. Never a reason to stop the worker.
            LOG.warn("probe worker '{}': offsets of a finished batch not committed ({}); the group will deliver its {} request(s)"
                    + " again", config.vantage(), e.getMessage(), records.count());
        }
        return true;
    }

    /**
     * Waits for one request's probes while keeping this consumer in its group: a batch can take
     * longer than max.poll.interval.ms (rate limits, a large CIDR range, silent ports), so every
     * third of that interval the consumer polls with its partitions paused. Records of partitions
     * assigned meanwhile (not paused) are given back by seeking to their first offset.
     */
    private List<ProbeResult> awaitKeepingMembership(final KafkaConsumer<byte[], byte[]> c,
            final CompletableFuture<List<ProbeResult>> probe) {
        while (true) {
            try {
                return probe.get(keepAliveMs, TimeUnit.MILLISECONDS);
            } catch (final java.util.concurrent.TimeoutException e) {
                keepAlive(c);
            } catch (final ExecutionException e) {
                throw new IllegalStateException("a probe failed instead of giving an outcome", e.getCause());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return probe.join();
            }
        }
    }

    private void keepAlive(final KafkaConsumer<byte[], byte[]> c) {
        try {
            c.pause(c.assignment());
            final ConsumerRecords<byte[], byte[]> extra = c.poll(Duration.ZERO);
            for (final TopicPartition tp : extra.partitions()) {
                c.seek(tp, extra.records(tp).get(0).offset());
            }
            c.pause(c.assignment());
            lastActivityNanos = System.nanoTime();
            keepAlivePolls.incrementAndGet();
        } catch (final WakeupException e) {
            if (!closed.get()) {
                throw e;
            }
            // closing: the engine aborts what is in flight, and the batch ends with those outcomes
        }
    }

    /** Polls made while a batch was still being probed, to keep the group membership. */
    public long keepAlivePolls() {
        return keepAlivePolls.get();
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

    /** Whether the process should be restarted: the loop stopped on an error, or has not come back for max.poll.interval.ms. */
    public Health liveness() {
        final Map<String, Object> facts = facts();
        if (failure != null) {
            return Health.down("stopped on an error: " + failure, facts);
        }
        if (stopped.getCount() == 0) {
            return Health.down("stopped", facts);
        }
        if (!running) {
            return Health.up("starting", facts);
        }
        final long idle = idleMs();
        if (idle > stuckAfterMs) {
            return Health.down("poll loop has not come back for " + idle + " ms (more than max.poll.interval.ms " + stuckAfterMs + ")", facts);
        }
        return Health.up("polling", facts);
    }

    /** Whether the worker takes work: polling, partitions assigned, its last batch acknowledged. */
    public Health readiness() {
        final Map<String, Object> facts = facts();
        if (closed.get()) {
            return Health.down(stopped.getCount() == 0 ? "stopped" : "closing", facts);
        }
        if (!running) {
            return Health.down(failure != null ? "stopped on an error: " + failure : "not running yet", facts);
        }
        if (!polledOnce) {
            return Health.down("not polled yet", facts);
        }
        if (idleMs() > stuckAfterMs) {
            return Health.down("poll loop has not come back for " + idleMs() + " ms", facts);
        }
        if (failedBatches > 0) {
            return Health.down("results of the last batch were not acknowledged; backing off", facts);
        }
        if (assignedPartitions == 0) {
            return Health.down("no partitions of " + config.topics().probeRequests() + " assigned", facts);
        }
        return Health.up("consuming", facts);
    }

    private long idleMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivityNanos);
    }

    private Map<String, Object> facts() {
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("vantage", config.vantage());
        facts.put("assignedPartitions", assignedPartitions);
        facts.put("idleMs", running ? idleMs() : null);
        facts.put("failedBatches", failedBatches);
        facts.put("probed", probed.get());
        return facts;
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
