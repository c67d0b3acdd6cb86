package io.milterwatch.processor.error;

import java.util.List;
import java.util.Map;

import io.milterwatch.kafka.Dlq;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/** The DLQ record for a failure inside Kafka Streams: the source's raw bytes with our reason headers. */
final class DeadLetters {

    private DeadLetters() {
    }

    static String topic(final Map<String, ?> configs) {
        final Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        if (topic == null || topic.toString().isBlank()) {
            throw new IllegalStateException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " must name the DLQ topic");
        }
        return topic.toString();
    }

    static List<ProducerRecord<byte[], byte[]>> record(final String dlqTopic, final String stage, final ErrorHandlerContext context,
            final byte[] key, final byte[] value, final Exception exception) {
        final String reason = exception.getMessage() == null ? exception.getClass().getName() : exception.getMessage();
        return List.of(Dlq.record(dlqTopic, stage, reason, context.topic(), context.partition(), context.offset(), key, value));
    }
}
