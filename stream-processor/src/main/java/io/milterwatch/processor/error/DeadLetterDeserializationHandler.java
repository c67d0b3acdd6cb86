package io.milterwatch.processor.error;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Bytes that do not deserialise go to the DLQ, untouched, with the reason; the stream goes on. */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    private String dlqTopic;

    @Override
    public void configure(final Map<String, ?> configs) {
        dlqTopic = DeadLetters.topic(configs);
    }

    @Override
    public Response handleError(final ErrorHandlerContext context, final ConsumerRecord<byte[], byte[]> record, final Exception exception) {
        LOG.warn("undecodable record at {}-{}@{} to {}: {}", context.topic(), context.partition(), context.offset(), dlqTopic,
                exception.getMessage());
        return Response.resume(DeadLetters.record(dlqTopic, "stream-processor/deserialize", context, record.key(), record.value(), exception));
    }
}
