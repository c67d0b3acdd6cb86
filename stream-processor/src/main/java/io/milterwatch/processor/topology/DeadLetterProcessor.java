package io.milterwatch.processor.topology;

import java.util.function.BiFunction;

import io.milterwatch.kafka.Dlq;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns a record that decoded but failed a business check into a DLQ record: its bytes (re-encoded
 * by the serde that read it, so identical in content), and headers naming the reason and the source
 * topic, partition and offset.
 */
final class DeadLetterProcessor<K, V> implements Processor<K, V, byte[], byte[]> {

    private final String stage;
    private final BiFunction<K, V, String> reason;
    private final Serializer<K> keys;
    private final Serializer<V> values;
    private ProcessorContext<byte[], byte[]> context;

    DeadLetterProcessor(final String stage, final BiFunction<K, V, String> reason, final Serializer<K> keys, final Serializer<V> values) {
        this.stage = stage;
        this.reason = reason;
        this.keys = keys;
        this.values = values;
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(final Record<K, V> record) {
        final RecordMetadata source = context.recordMetadata().orElse(null);
        final String topic = source == null ? "unknown" : source.topic();
        final org.apache.kafka.common.header.Headers headers = Dlq.headers(stage, reason.apply(record.key(), record.value()), topic,
                source == null ? -1 : source.partition(), source == null ? -1 : source.offset());
        final byte[] key = Dlq.bounded(keys.serialize(topic, record.key()), Dlq.MAX_KEY_BYTES, Dlq.ORIGINAL_KEY_BYTES, headers);
        final byte[] value = Dlq.bounded(values.serialize(topic, record.value()), Dlq.MAX_VALUE_BYTES, Dlq.ORIGINAL_VALUE_BYTES, headers);
        context.forward(new Record<>(key, value, record.timestamp(), headers));
    }
}
