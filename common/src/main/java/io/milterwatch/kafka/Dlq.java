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
    /** For a record that came from a file rather than a topic (ship-logs): the file, and the byte offset of the line in it. */
    public static final String SOURCE_FILE = "milterwatch.dlq.source.file";
    public static final String SOURCE_FILE_OFFSET = "milterwatch.dlq.source.file.offset";
    /** Present when the value (or key) was cut: the original length in bytes. */
    public static final String ORIGINAL_VALUE_BYTES = "milterwatch.dlq.original.value.bytes";
    public static final String ORIGINAL_KEY_BYTES = "milterwatch.dlq.original.key.bytes";

    /**
     * Dead letters are kept under the default record size limits (1 MiB per record, producer and
     * broker), so that writing one can never fail: an oversized bad record must not become a
     * poison pill for the stage that refused it. Longer values and keys are cut, and say so.
     */
    public static final int MAX_VALUE_BYTES = 512 * 1024;
    public static final int MAX_KEY_BYTES = 16 * 1024;

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
        final Headers headers = headers(stage, reason, sourceTopic, partition, offset);
        return new ProducerRecord<>(dlqTopic, null, null, bounded(key, MAX_KEY_BYTES, ORIGINAL_KEY_BYTES, headers),
                bounded(value, MAX_VALUE_BYTES, ORIGINAL_VALUE_BYTES, headers), headers);
    }

    /** {@code bytes} cut to {@code max}, noting the original length in {@code header} when cut. */
    public static byte[] bounded(final byte[] bytes, final int max, final String header, final Headers headers) {
        if (bytes == null || bytes.length <= max) {
            return bytes;
        }
        headers.add(header, utf8(Integer.toString(bytes.length)));
        return java.util.Arrays.copyOf(bytes, max);
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
