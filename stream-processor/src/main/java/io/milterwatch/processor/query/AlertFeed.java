package io.milterwatch.processor.query;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.serde.RecordDecodeException;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows both alert topics (committed records only, no consumer group) and keeps the most recent
 * alerts in memory for the query API, and the recent transitions of each ip:port for the
 * dashboard's history ({@link AlertHistory}, bounded: {@link #HISTORY_PER_KEY} per ip:port,
 * {@link #HISTORY_MAX_BYTES} in all). At start it reads back up to {@link #READ_BACK} records per
 * partition to fill both; listeners (server-sent-event clients) get only alerts written after
 * that, so a client that connects while the feed catches up is not sent old alerts as new.
 * Every instance reads every partition, so any instance answers for all alerts.
 */
public final class AlertFeed implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    static final int KEEP = 500;
    static final int READ_BACK = 10_000;
    static final int HISTORY_PER_KEY = 100;
    static final long HISTORY_MAX_BYTES = 32L * 1024 * 1024;

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final ArrayDeque<Alert> recent = new ArrayDeque<>();
    private final List<Consumer<Alert>> listeners = new CopyOnWriteArrayList<>();
    private final AlertHistory history = new AlertHistory(HISTORY_PER_KEY, HISTORY_MAX_BYTES);
    /** Per partition, the end offset at start: records below it are read back, not new. */
    private final Map<TopicPartition, Long> liveFrom = new HashMap<>();
    private volatile boolean closed;

    public AlertFeed(final String bootstrapServers, final Map<String, Object> overrides, final Topics topics) {
        final Map<String, Object> props = new HashMap<>(overrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "milterwatch-query-alerts");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = topics.alerts();
    }

    @Override
    public void run() {
        try {
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final String topic : topics) {
                for (final PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
            }
            consumer.assign(partitions);
            // Start before the end so that "recent" and the history mean something right after a start.
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (final TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - READ_BACK));
            }
            liveFrom.putAll(end);
            while (!closed) {
                for (final ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    accept(r);
                }
            }
        } catch (final WakeupException e) {
            // close()
        } catch (final RuntimeException e) {
            LOG.error("alert feed stopped", e);
        } finally {
            consumer.close();
        }
    }

    private void accept(final ConsumerRecord<String, byte[]> r) {
        final Alert alert;
        try {
            alert = Records.ALERT.decode(r.topic(), r.value());
        } catch (final RecordDecodeException e) {
            LOG.warn("alert feed skips {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        if (alert == null) {
            return;
        }
        synchronized (recent) {
            recent.addLast(alert);
            while (recent.size() > KEEP) {
                recent.removeFirst();
            }
        }
        history.add(alert.getKey(), alert.getAlertId(), alert.getCreatedAtMs(), r.value());
        if (r.offset() < liveFrom.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L)) {
            return;
        }
        for (final Consumer<Alert> l : listeners) {
            l.accept(alert);
        }
    }

    /** Newest last, at most {@code limit}. */
    public List<Alert> recent(final int limit) {
        synchronized (recent) {
            final List<Alert> all = new ArrayList<>(recent);
            all.sort(java.util.Comparator.comparingLong(Alert::getCreatedAtMs));
            return List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size()));
        }
    }

    /** The kept transitions of one ip:port, oldest first (see {@link AlertHistory}). */
    public KeptHistory history(final String key) {
        final AlertHistory.Snapshot kept = history.of(key);
        final List<Alert> alerts = new ArrayList<>(kept.kept().size());
        for (final AlertHistory.Kept k : kept.kept()) {
            alerts.add(Records.ALERT.decode("history of " + key, k.encoded()));
        }
        return new KeptHistory(key, alerts, kept.truncated());
    }

    /** The newest kept transition of one ip:port, or null. */
    public Alert latest(final String key) {
        final AlertHistory.Kept k = history.latest(key);
        return k == null ? null : Records.ALERT.decode("history of " + key, k.encoded());
    }

    /**
     * The transitions of one ip:port still kept, oldest first; {@code truncated} when older ones
     * were dropped to stay within the bounds. Transitions to UNKNOWN or NOT_EXPOSED raise no alert
     * and so are never here.
     */
    public record KeptHistory(String key, List<Alert> alerts, boolean truncated) {
    }

    public void addListener(final Consumer<Alert> listener) {
        listeners.add(listener);
    }

    public void removeListener(final Consumer<Alert> listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
    }
}
