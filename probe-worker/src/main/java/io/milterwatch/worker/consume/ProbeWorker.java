package io.milterwatch.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.milterwatch.metrics.Health;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.metrics.WorkerMetrics;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.publish.ResultPublisher;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe worker's poll loop. Requests are probed as they arrive, up to
 * {@code worker.max.poll.records} in flight ({@link FlowControl}); each result is published the
 * moment its probe ends ({@link RequestHandler}), so one slow target delays no other result.
 * Offsets are committed in order ({@link OffsetLedger}): per partition, only up to the last record
 * of an unbroken run whose results the broker acknowledged. A crash before the commit means the
 * group hands those requests out again: at-least-once, nothing lost (the processor recognises
 * redelivered results by request id).
 *
 * <p>A record whose results the broker refused sends every assigned partition back to its last
 * committed offset, to be probed again after a growing pause ({@link Backoff}).
 *
 * <p>Shutdown follows the KafkaConsumer Javadoc: {@link #close()} sets a flag and wakes the
 * consumer; the requests in flight are finished and committed before the loop exits.
 *
 * <p>Health, for the worker's {@code /health} endpoints: {@link WorkerHealth}.
 */
public final class ProbeWorker implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorker.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(500);
    /** While probes are in flight the loop comes back sooner, to commit what they finished. */
    private static final Duration BUSY_POLL = Duration.ofMillis(50);

    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final LinkedBlockingQueue<RequestHandler.Completion> completions = new LinkedBlockingQueue<>();
    private final OffsetLedger ledger = new OffsetLedger();
    private final Backoff backoff = new Backoff();
    private final FlowControl flow;
    private final WorkerHealth health;
    private volatile RequestHandler handler;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    /** A worker whose meters no one reads (tests, embedded uses). */
    public ProbeWorker(final WorkerConfig config) {
        this(config, new WorkerMetrics(new SimpleMeterRegistry()));
    }

    public ProbeWorker(final WorkerConfig config, final WorkerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.flow = new FlowControl(config.maxPollRecords());
        this.health = new WorkerHealth(config.vantage(), config.topics().probeRequests(), maxPollIntervalMs(config), System::nanoTime,
                this::probed);
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
        final ExecutorService publishing = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "probe-worker-publish-" + config.vantage());
            t.setDaemon(true);
            return t;
        });
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             ResultPublisher publisher = new ResultPublisher(config);
             ProbeEngine engine = new ProbeEngine(config.engine(), config.vantage(), config.zone());
             WorkerMetrics.Binding kafkaMeters = metrics.bindKafkaClients(c, publisher.producer())) {
            consumer = c;
            handler = new RequestHandler(config.topics().dlq(), engine, publisher, metrics, publishing, completions::add);
            metrics.engine(engine);
            c.subscribe(List.of(config.topics().probeRequests()), new Rebalance(c));
            health.started();
            LOG.info("probe worker '{}' ({}) consuming {} as group {}", config.vantage(), config.zone(), config.topics().probeRequests(),
                    config.groupId());
            while (!closed.get()) {
                final ConsumerRecords<byte[], byte[]> records;
                try {
                    flow.beforePoll(c, ledger.inFlight());
                    records = c.poll(ledger.inFlight() > 0 ? BUSY_POLL : IDLE_POLL);
                    health.active(c.assignment().size());
                } catch (final WakeupException e) {
                    if (closed.get()) {
                        break;
                    }
                    throw e;
                }
                final long now = System.currentTimeMillis();
                for (final ConsumerRecord<byte[], byte[]> record : records) {
                    handler.handle(record, ledger.take(new TopicPartition(record.topic(), record.partition()), record.offset()), now);
                }
                collect(c, 0);
            }
            finishInFlight(c);
            // A stop, not a crash: leave the group at once even as a static member, so that the others take the
            // partitions now instead of after the session timeout (closing twice is harmless).
            c.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        } catch (final RuntimeException e) {
            if (e instanceof WakeupException && closed.get()) {
                // close() woke the consumer inside a commit or a rewind: a normal stop
                return;
            }
            health.failed(e.toString());
            LOG.error("probe worker '{}' stopped on an unexpected error", config.vantage(), e);
            throw e;
        } finally {
            publishing.shutdownNow();
            health.stopped();
            metrics.engine(null);
            stopped.countDown();
            final RequestHandler h = handler;
            LOG.info("probe worker '{}' stopped after {} probes, {} records to the DLQ", config.vantage(), h == null ? 0 : h.probed(),
                    h == null ? 0 : h.deadLettered());
        }
    }

    /**
     * Takes the requests that ended (waiting up to {@code waitMs} for the first), and commits how far
     * each partition is done. A record the broker refused rewinds and backs off.
     */
    private void collect(final KafkaConsumer<byte[], byte[]> c, final long waitMs) {
        final List<RequestHandler.Completion> ended = new ArrayList<>();
        try {
            final RequestHandler.Completion first = waitMs > 0 ? completions.poll(waitMs, TimeUnit.MILLISECONDS) : completions.poll();
            if (first == null) {
                return;
            }
            ended.add(first);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        completions.drainTo(ended);
        Throwable notWritten = null;
        for (final RequestHandler.Completion done : ended) {
            if (done.probeFailed() != null) {
                throw new IllegalStateException("a probe failed instead of giving an outcome", done.probeFailed());
            }
            if (done.notWritten() != null) {
                notWritten = notWritten == null ? done.notWritten() : notWritten;
            } else if (ledger.done(done.ticket())) {
                metrics.acknowledged(done.results(), done.deadLetters());
                backoff.succeeded();
                health.failedBatches(0);
            }
        }
        commit(c, ledger.advance());
        if (notWritten != null) {
            // Not acknowledged: go back to the last committed offsets and probe again, after a pause.
            LOG.error("results not acknowledged by the broker ({}); the requests from the last committed offsets will be probed again",
                    notWritten.getMessage());
            final Set<TopicPartition> assigned = c.assignment();
            ledger.forget(assigned);
            rewind(c, assigned);
            backOff();
        }
    }

    private void commit(final KafkaConsumer<byte[], byte[]> c, final Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            c.commitSync(offsets);
        } catch (final CommitFailedException | RebalanceInProgressException e) {
            // The results are written; only the offsets are lost. The group gives these requests to a
            // member (maybe this one) that probes them again, and the processor recognises the
            // redelivered results by request id. Never a reason to stop the worker.
            LOG.warn("probe worker '{}': offsets {} not committed ({}); the group will deliver those requests again", config.vantage(),
                    offsets, e.getMessage());
        }
    }

    /** On close: no new requests; the ones in flight end (the probe timeouts bound them), are published and committed. */
    private void finishInFlight(final KafkaConsumer<byte[], byte[]> c) {
        while (ledger.inFlight() > 0) {
            try {
                c.pause(c.assignment());
                final ConsumerRecords<byte[], byte[]> extra = c.poll(Duration.ZERO);
                // Partitions assigned meanwhile are not paused: what they gave is left for the next member.
                for (final TopicPartition tp : extra.partitions()) {
                    c.seek(tp, extra.records(tp).get(0).offset());
                }
                health.active(c.assignment().size());
            } catch (final WakeupException e) {
                // close() woke the consumer once more: keep finishing
            }
            collect(c, BUSY_POLL.toMillis());
        }
    }

    private void backOff() {
        final long waitMs = backoff.failed();
        health.failedBatches(backoff.failures());
        metrics.batchFailed();
        LOG.warn("probe worker '{}': results not written {} time(s) in a row; next attempt in {} ms", config.vantage(), backoff.failures(),
                waitMs);
        try {
            closeSignal.await(waitMs, TimeUnit.MILLISECONDS);
            health.active(-1);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /** Commits what is done of partitions taken away, and forgets them: their requests in flight will be delivered again. */
    private final class Rebalance implements ConsumerRebalanceListener {

        private final KafkaConsumer<byte[], byte[]> c;

        Rebalance(final KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            try {
                commit(c, ledger.advance(partitions));
            } catch (final KafkaException e) {
                LOG.warn("probe worker '{}': offsets of revoked partitions not committed ({})", config.vantage(), e.getMessage());
            } finally {
                ledger.forget(partitions);
            }
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            ledger.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            // positions come from the committed offsets
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

    /** Polls made while probes were in flight (they keep the group membership however long a probe takes). */
    public long keepAlivePolls() {
        return flow.keepAlivePolls();
    }

    public long probed() {
        final RequestHandler h = handler;
        return h == null ? 0 : h.probed();
    }

    /** Whether the process should be restarted: the loop stopped on an error, or has not come back for max.poll.interval.ms. */
    public Health liveness() {
        return health.liveness();
    }

    /** Whether the worker takes work: polling, partitions assigned, its last results acknowledged. */
    public Health readiness() {
        return health.readiness();
    }

    /** Stops taking work; the requests in flight are finished and committed. Waits for the loop to end. */
    @Override
    public void close() {
        signalStop();
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Signals the loop to stop without waiting (for when run() was never started). */
    public void signalStop() {
        closeSignal.countDown();
        health.closing();
        if (closed.compareAndSet(false, true)) {
            final KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }
    }
}
