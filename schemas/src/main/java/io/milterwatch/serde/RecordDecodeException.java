package io.milterwatch.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes on a topic that are not a record this version can read. The message names the record type,
 * the topic and what was wrong, so that the DLQ header carries something a person can act on.
 */
public final class RecordDecodeException extends SerializationException {

    private final String reason;

    public RecordDecodeException(final String recordType, final String topic, final String reason, final Throwable cause) {
        super("cannot decode " + recordType + " from topic '" + topic + "': " + reason, cause);
        this.reason = reason;
    }

    /** The short reason, without the record type and topic. */
    public String reason() {
        return reason;
    }
}
