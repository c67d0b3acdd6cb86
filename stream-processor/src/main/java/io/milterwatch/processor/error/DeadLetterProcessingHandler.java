package io.milterwatch.processor.error;

import java.util.Map;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An exception inside an operator sends the source record to the DLQ with the reason; the stream goes on. */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
    private String dlqTopic;

    @Override
    public void configure(final Map<String, ?> configs) {
        dlqTopic = DeadLetters.topic(configs);
    }

    @Override
    public Response handleError(final ErrorHandlerContext context, final Record<?, ?> record, final Exception exception) {
        LOG.error("processor {} failed on {}-{}@{}; record to {}", context.processorNodeId(), context.topic(), context.partition(),
                context.offset(), dlqTopic, exception);
        return Response.resume(DeadLetters.record(dlqTopic, "stream-processor/" + context.processorNodeId(), context,
                context.sourceRawKey(), context.sourceRawValue(), exception));
    }
}
