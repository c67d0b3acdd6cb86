package io.milterwatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics from the beginning without joining a consumer group (nothing is committed, so the
 * CLI never disturbs anyone's offsets): up to the end offsets seen at start, or for ever.
 */
public final class TopicReader implements AutoCloseable {

    /** Records buffered per partition at most while merging partitions in time order. */
    static final int MERGE_BUFFER = 1000;

    private final KafkaConsumer<String, byte[]> consumer;

    public TopicReader(final String bootstrapServers, final Map<String, Object> overrides) {
        final Map<String, Object> props = new HashMap<>(overrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "milterwatch-cli");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * @param follow  keep reading after the end
     * @param running checked between polls when following
     */
    public void read(final List<String> topics, final boolean follow, final BooleanSupplier running,
            final Consumer<ConsumerRecord<String, byte[]>> sink) {
        read(topics, follow, running, sink, null);
    }

    /**
     * As above, starting in each partition at the first record whose timestamp is at or after
     * {@code fromMs} (the broker's time index, {@code offsetsForTimes}); at the end of a partition
     * that has none. Null starts at the beginning.
     */
    public void read(final List<String> topics, final boolean follow, final BooleanSupplier running,
            final Consumer<ConsumerRecord<String, byte[]>> sink, final Long fromMs) {
        final List<TopicPartition> partitions = assignAndSeek(topics, fromMs);
        final Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        try {
            while (true) {
                if (!follow && caughtUp(end)) {
                    return;
                }
                if (follow && !running.getAsBoolean()) {
                    return;
                }
                consumer.poll(Duration.ofMillis(200)).forEach(sink);
            }
        } catch (final WakeupException e) {
            // stop() was called: a clean end of a --follow
        }
    }

    /**
     * As {@link #read(List, boolean, BooleanSupplier, Consumer, Long)}, but the records of all the
     * partitions are handed on merged in time order as they are read ({@link TimeOrderedMerge}), with
     * at most {@link #MERGE_BUFFER} records buffered per partition. When following, a partition read
     * to its end as last fetched does not hold the others back.
     *
     * @param map  the record as handed on, or null to drop it (an undecodable record the caller reported)
     * @param time the time an item is ordered by
     */
    <T> void readInTimeOrder(final List<String> topics, final boolean follow, final BooleanSupplier running,
            final Function<ConsumerRecord<String, byte[]>, T> map, final ToLongFunction<T> time, final Consumer<T> sink, final Long fromMs) {
        final List<TopicPartition> partitions = assignAndSeek(topics, fromMs);
        final Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        final TimeOrderedMerge<T> merge = new TimeOrderedMerge<>(partitions, MERGE_BUFFER);
        final Predicate<TopicPartition> mayDeliver = follow
                ? p -> consumer.currentLag(p).orElse(1) > 0
                : p -> consumer.position(p, Duration.ofSeconds(30)) < end.get(p);
        try {
            while (true) {
                merge.drain(mayDeliver, sink);
                if (!follow && merge.isEmpty() && caughtUp(end)) {
                    return;
                }
                if (follow && !running.getAsBoolean()) {
                    return;
                }
                final List<TopicPartition> full = partitions.stream().filter(merge::full).toList();
                consumer.resume(partitions.stream().filter(p -> !merge.full(p)).toList());
                consumer.pause(full);
                for (final ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    final T item = map.apply(r);
                    if (item != null) {
                        merge.add(new TopicPartition(r.topic(), r.partition()), time.applyAsLong(item), item);
                    }
                }
            }
        } catch (final WakeupException e) {
            // stop() was called: a clean end of a --follow
        }
    }

    /** Assigns every partition of the topics and seeks to the beginning, or to the first record at or after {@code fromMs}. */
    private List<TopicPartition> assignAndSeek(final List<String> topics, final Long fromMs) {
        final List<TopicPartition> partitions = new ArrayList<>();
        for (final String topic : topics) {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic '" + topic + "' does not exist on the cluster (is `milterwatch run` up?)");
            }
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        }
        consumer.assign(partitions);
        if (fromMs == null) {
            consumer.seekToBeginning(partitions);
        } else {
            final Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, fromMs));
            final Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            final List<TopicPartition> none = new ArrayList<>();
            for (final TopicPartition p : partitions) {
                final OffsetAndTimestamp at = found.get(p);
                if (at == null) {
                    none.add(p);
                } else {
                    consumer.seek(p, at.offset());
                }
            }
            consumer.seekToEnd(none);
        }
        return partitions;
    }

    /** The latest value per key of a compacted topic, in key order; tombstones remove keys. */
    public <V> Map<String, V> latest(final String topic, final io.milterwatch.serde.AvroSerde<? extends V> serde) {
        final Map<String, V> latest = new java.util.TreeMap<>();
        read(List.of(topic), false, () -> true, r -> {
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), serde.decode(r.topic(), r.value()));
            }
        });
        return latest;
    }

    private boolean caughtUp(final Map<TopicPartition, Long> end) {
        for (final Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public void stop() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
