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
 * alerts in memory for the query API; listeners (server-sent-event clients) get each new alert.
 * Every instance reads every partition, so any instance answers for all alerts.
 */
public final class AlertFeed implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    static final int KEEP = 500;

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final ArrayDeque<Alert> recent = new ArrayDeque<>();
    private final List<Consumer<Alert>> listeners = new CopyOnWriteArrayList<>();
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
            // Start a little before the end so that "recent" means something right after a start.
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (final TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - KEEP));
            }
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
