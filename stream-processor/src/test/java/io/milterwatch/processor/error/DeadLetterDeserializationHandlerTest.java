package io.milterwatch.processor.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterDeserializationHandlerTest {

    /** The context Kafka Streams hands a handler: a plain value here. */
    private record Context(String topic, int partition, long offset) implements ErrorHandlerContext {
        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "probe-results-source";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(1, partition);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    }

    @Test
    void shouldResumeWithTheOriginalBytesAndAReasonWhenBytesDoNotDecode() {
        // given
        final DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
        handler.configure(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "mw.dlq"));
        final byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        final byte[] value = "garbage".getBytes(StandardCharsets.UTF_8);
        final Exception failure = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> Records.PROBE_RESULT.decode("mw.probe-results", value));
        // when
        final DeserializationExceptionHandler.Response response = handler.handleError(new Context("mw.probe-results", 2, 41),
                new ConsumerRecord<>("mw.probe-results", 2, 41, key, value), failure);
        // then
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        final ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().get(0);
        assertThat(dead.topic()).isEqualTo("mw.dlq");
        assertThat(dead.key()).isEqualTo(key);
        assertThat(dead.value()).isEqualTo(value);
        assertThat(Dlq.header(dead.headers(), Dlq.REASON)).contains("not Avro single-object encoding");
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_TOPIC)).isEqualTo("mw.probe-results");
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_PARTITION)).isEqualTo("2");
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_OFFSET)).isEqualTo("41");
    }
}
