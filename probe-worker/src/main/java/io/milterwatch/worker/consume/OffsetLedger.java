package io.milterwatch.worker.consume;

import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Acknowledgement bookkeeping for commits in order: which records of each partition were taken,
 * which of them are done (every result acknowledged by the broker), and so how far each partition
 * may be committed: up to the last record of an unbroken run of done records from the oldest
 * taken one. A record done out of order (a fast probe behind a slow one) waits in the ledger until
 * the records before it are done, so a crash can only redeliver, never skip, a request.
 *
 * <p>Each partition has an epoch; forgetting a partition (revoked, lost, rewound after a failed
 * write) starts a new one, and completions of the old epoch are ignored: their records will be
 * delivered again. Confined to the poll thread.
 */
final class OffsetLedger {

    /** A record the ledger knows: where it is, and the epoch its completion must name. */
    record Ticket(TopicPartition partition, long offset, long epoch) {
    }

    private final Map<TopicPartition, TreeMap<Long, Boolean>> taken = new HashMap<>();
    private final Map<TopicPartition, Long> epochs = new HashMap<>();
    private final Map<TopicPartition, Long> committable = new HashMap<>();
    private int pending;

    /**
     * Records a record as taken (in flight). Offsets of a partition come in increasing order; one that
     * does not (the consumer went back without the ledger being told) starts the partition over, as
     * a rewind would: what was in flight there will be delivered again.
     */
    Ticket take(final TopicPartition tp, final long offset) {
        final TreeMap<Long, Boolean> known = taken.get(tp);
        if (known != null && !known.isEmpty() && known.lastKey() >= offset) {
            forget(List.of(tp));
        }
        final TreeMap<Long, Boolean> records = taken.computeIfAbsent(tp, k -> new TreeMap<>());
        records.put(offset, Boolean.FALSE);
        pending++;
        return new Ticket(tp, offset, epochs.getOrDefault(tp, 0L));
    }

    /**
     * Marks a record done.
     *
     * @return false when the ticket is of a forgotten epoch (the record will be delivered again)
     */
    boolean done(final Ticket ticket) {
        if (epochs.getOrDefault(ticket.partition(), 0L) != ticket.epoch()) {
            return false;
        }
        final TreeMap<Long, Boolean> records = taken.get(ticket.partition());
        if (records == null || records.replace(ticket.offset(), Boolean.TRUE) != Boolean.FALSE) {
            return false;
        }
        pending--;
        final Iterator<Map.Entry<Long, Boolean>> oldest = records.entrySet().iterator();
        while (oldest.hasNext()) {
            final Map.Entry<Long, Boolean> e = oldest.next();
            if (!e.getValue()) {
                break;
            }
            committable.put(ticket.partition(), e.getKey() + 1);
            oldest.remove();
        }
        return true;
    }

    /** The offsets to commit that advanced since the last call (the next offset to read, per partition). */
    Map<TopicPartition, OffsetAndMetadata> advance() {
        final Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        committable.forEach((tp, next) -> out.put(tp, new OffsetAndMetadata(next)));
        committable.clear();
        return out;
    }

    /** Like {@link #advance} for the given partitions only (to commit before they are revoked). */
    Map<TopicPartition, OffsetAndMetadata> advance(final Collection<TopicPartition> partitions) {
        final Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (final TopicPartition tp : partitions) {
            final Long next = committable.remove(tp);
            if (next != null) {
                out.put(tp, new OffsetAndMetadata(next));
            }
        }
        return out;
    }

    /** Drops what is known of the partitions and starts a new epoch for each: their in-flight records will be delivered again. */
    void forget(final Collection<TopicPartition> partitions) {
        for (final TopicPartition tp : partitions) {
            final TreeMap<Long, Boolean> records = taken.remove(tp);
            if (records != null) {
                pending -= (int) records.values().stream().filter(d -> !d).count();
            }
            committable.remove(tp);
            epochs.merge(tp, 1L, Long::sum);
        }
    }

    /** Records taken and not yet done. */
    int inFlight() {
        return pending;
    }
}
