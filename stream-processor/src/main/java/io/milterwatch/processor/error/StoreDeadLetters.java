package io.milterwatch.processor.error;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.serde.AvroSerde;
import io.milterwatch.serde.RecordDecodeException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values in a state store (restored from its changelog) that this version cannot decode. Such a
 * value must neither crash the stream thread at every read (it would be replaced, fail again, and the
 * processor never become ready) nor vanish: the store's serde, wrapped by {@link #guard}, answers
 * null for it and keeps the bytes and the reason; the processor that read it then {@link #claim}s
 * them with the key, and they go to the DLQ (stage {@value #STAGE}, the changelog as source topic,
 * the task's partition, offset -1: a store has none), are counted in the
 * {@value #METRIC} counter and in {@link #count()}, which health reports as degraded.
 *
 * <p>The DLQ copy is written by a producer of its own, outside the stream's transaction: a dead
 * letter is evidence for a person, and it must be written even when the transaction aborts.
 */
public final class StoreDeadLetters {

    public static final String STAGE = "stream-processor/store";
    public static final String METRIC = "milterwatch.store.undecodable";

    private static final Logger LOG = LoggerFactory.getLogger(StoreDeadLetters.class);

    /** What the last guarded decode on this thread could not read; claimed by the reader right after. */
    private static final ThreadLocal<Failure> PENDING = new ThreadLocal<>();

    private record Failure(String topic, byte[] value, String reason) {
    }

    private final String dlqTopic;
    private final Consumer<ProducerRecord<byte[], byte[]>> sender;
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();

    /**
     * @param dlqTopic the DLQ topic
     * @param sender   writes a dead letter (a producer's send in production)
     * @param registry where the counter lives
     */
    public StoreDeadLetters(final String dlqTopic, final Consumer<ProducerRecord<byte[], byte[]>> sender, final MeterRegistry registry) {
        this.dlqTopic = dlqTopic;
        this.sender = sender;
        this.registry = registry;
    }

    /** Dead letters kept in memory, for topology tests that have no producer. */
    public static StoreDeadLetters inMemory(final String dlqTopic, final List<ProducerRecord<byte[], byte[]>> sent, final MeterRegistry registry) {
        return new StoreDeadLetters(dlqTopic, sent::add, registry);
    }

    /** {@code serde} for a store: a value it cannot decode reads as null and is kept for {@link #claim}. */
    public static <T extends org.apache.avro.specific.SpecificRecord> Serde<T> guard(final AvroSerde<T> serde) {
        final Serializer<T> serializer = serde.serializer();
        final Deserializer<T> deserializer = (topic, bytes) -> {
            try {
                return serde.decode(topic, bytes);
            } catch (final RecordDecodeException e) {
                PENDING.set(new Failure(topic, bytes, e.getMessage()));
                return null;
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /**
     * After a store read that gave null: if it was a value that could not be decoded, sends it to the
     * DLQ with {@code key}, counts it and returns true; false when the key simply had no value.
     */
    public boolean claim(final String store, final String key, final int partition) {
        final Failure failure = PENDING.get();
        if (failure == null) {
            return false;
        }
        PENDING.remove();
        final byte[] keyBytes = key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sender.accept(Dlq.record(dlqTopic, STAGE, failure.reason(), failure.topic(), partition, -1L, keyBytes, failure.value()));
        counters.computeIfAbsent(store, s -> Counter.builder(METRIC).tag("store", s)
                .description("Values in a state store this version could not decode, sent to the DLQ").register(registry)).increment();
        count.incrementAndGet();
        LOG.warn("{}: the value of {} in partition {} cannot be decoded and was sent to the DLQ ({}); the key starts again without it: {}",
                store, key, partition, dlqTopic, failure.reason());
        return true;
    }

    /** Forgets a failure nobody claims (a value read only to be replaced or deleted). */
    public static void discardPending() {
        PENDING.remove();
    }

    /** Undecodable store values sent to the DLQ since start. */
    public long count() {
        return count.get();
    }
}
