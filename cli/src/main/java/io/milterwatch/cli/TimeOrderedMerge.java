package io.milterwatch.cli;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;

/**
 * Merges the partitions of several topics into one stream in time order as they are read, the way
 * a k-way merge of sorted files works: an item is handed on only when every partition that may
 * still deliver has an item buffered, so nothing older can turn up after it (within a partition,
 * items are taken to be in time order, as the processor writes alerts). Memory is bounded by the
 * caller, who stops reading a partition whose buffer is {@link #full}. Ties go to the item read
 * first.
 *
 * @param <T> the items
 */
final class TimeOrderedMerge<T> {

    private record Item<T>(long time, long seq, T value) {
    }

    private final Map<TopicPartition, ArrayDeque<Item<T>>> buffers = new LinkedHashMap<>();
    private final int maxBuffered;
    private long seq;

    TimeOrderedMerge(final Collection<TopicPartition> partitions, final int maxBuffered) {
        if (maxBuffered < 1) {
            throw new IllegalArgumentException("maxBuffered " + maxBuffered + " is below 1");
        }
        partitions.forEach(p -> buffers.put(p, new ArrayDeque<>()));
        this.maxBuffered = maxBuffered;
    }

    void add(final TopicPartition partition, final long time, final T value) {
        final ArrayDeque<Item<T>> buffer = buffers.get(partition);
        if (buffer == null) {
            throw new IllegalArgumentException("partition " + partition + " is not one of the merged " + buffers.keySet());
        }
        buffer.addLast(new Item<>(time, seq++, value));
    }

    /** Whether the partition's buffer is full: read it no further until items were handed on. */
    boolean full(final TopicPartition partition) {
        return buffers.get(partition).size() >= maxBuffered;
    }

    /**
     * Hands on, oldest first, every buffered item that nothing still to be read can precede.
     *
     * @param mayDeliver whether a partition may still deliver items now (not read to its end)
     */
    void drain(final Predicate<TopicPartition> mayDeliver, final Consumer<T> sink) {
        while (true) {
            ArrayDeque<Item<T>> oldest = null;
            for (final Map.Entry<TopicPartition, ArrayDeque<Item<T>>> e : buffers.entrySet()) {
                final Item<T> head = e.getValue().peekFirst();
                if (head == null) {
                    if (mayDeliver.test(e.getKey())) {
                        return;
                    }
                    continue;
                }
                if (oldest == null || head.time() < oldest.peekFirst().time()
                        || head.time() == oldest.peekFirst().time() && head.seq() < oldest.peekFirst().seq()) {
                    oldest = e.getValue();
                }
            }
            if (oldest == null) {
                return;
            }
            sink.accept(oldest.pollFirst().value());
        }
    }

    boolean isEmpty() {
        return buffers.values().stream().allMatch(ArrayDeque::isEmpty);
    }
}
