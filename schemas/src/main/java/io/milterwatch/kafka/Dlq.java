package io.milterwatch.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead-letter records: the original key and value bytes, untouched, with headers that say why and
 * where they came from. Every stage writes the same headers, so one tool reads the whole DLQ.
 */
public final class Dlq {

    public static final String REASON = "milterwatch.dlq.reason";
    public static final String STAGE = "milterwatch.dlq.stage";
    public static final String SOURCE_TOPIC = "milterwatch.dlq.source.topic";
    public static final String SOURCE_PARTITION = "milterwatch.dlq.source.partition";
    public static final String SOURCE_OFFSET = "milterwatch.dlq.source.offset";

    /** Header values are bounded so that a hostile record cannot make its DLQ copy larger. */
    private static final int MAX_REASON_CHARS = 2000;

    private Dlq() {
    }

    public static Headers headers(final String stage, final String reason, final String sourceTopic, final int partition,
            final long offset) {
        final Headers headers = new RecordHeaders();
        headers.add(REASON, utf8(bound(reason)));
        headers.add(STAGE, utf8(stage));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return headers;
    }

    public static ProducerRecord<byte[], byte[]> record(final String dlqTopic, final String stage, final String reason,
            final String sourceTopic, final int partition, final long offset, final byte[] key, final byte[] value) {
        return new ProducerRecord<>(dlqTopic, null, null, key, value, headers(stage, reason, sourceTopic, partition, offset));
    }

    public static String header(final Headers headers, final String name) {
        final var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String bound(final String reason) {
        final String text = reason == null ? "unknown reason" : reason;
        return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "...";
    }

    private static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
