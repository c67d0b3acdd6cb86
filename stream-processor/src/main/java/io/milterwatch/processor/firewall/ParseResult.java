package io.milterwatch.processor.firewall;

import java.util.Objects;

import io.milterwatch.schema.FirewallEvent;

/**
 * What the parser made of one line.
 *
 * @param status       the outcome
 * @param format       the format the line was recognised as, or null when it was not recognised
 * @param event        the normalised event when {@code status == EVENT}, else null
 * @param reason       why the line was skipped or invalid; for an EVENT, null or a note on how it was read
 *                     (a line cut short that still names its connection: {@code truncated: ...})
 * @param connectionId the device's own id of the connection when the line names one (Cisco ASA/FTD), else null:
 *                     the built and the teardown message of one connection carry the same id, and the stream
 *                     counts the connection once by (device, id)
 */
public record ParseResult(ParseStatus status, String format, FirewallEvent event, String reason, String connectionId) {

    public ParseResult {
        Objects.requireNonNull(status, "status");
        if (status == ParseStatus.EVENT && event == null) {
            throw new IllegalArgumentException("an EVENT result needs an event");
        }
        if (status != ParseStatus.EVENT && reason == null) {
            throw new IllegalArgumentException("a " + status + " result needs a reason");
        }
        if (status != ParseStatus.EVENT && connectionId != null) {
            throw new IllegalArgumentException("only an EVENT result names a connection");
        }
    }

    public ParseResult(final ParseStatus status, final String format, final FirewallEvent event, final String reason) {
        this(status, format, event, reason, null);
    }

    public static ParseResult event(final FirewallEvent event) {
        return new ParseResult(ParseStatus.EVENT, event.getFormat(), event, null, null);
    }

    /** An event with a note on how it was read (e.g. {@code truncated: ...}); the note is the result's reason. */
    public static ParseResult event(final FirewallEvent event, final String note) {
        return new ParseResult(ParseStatus.EVENT, event.getFormat(), event, note, null);
    }

    /** An event of a connection the device identifies by {@code connectionId}; one connection may be logged more than once. */
    public static ParseResult connection(final FirewallEvent event, final String connectionId) {
        return new ParseResult(ParseStatus.EVENT, event.getFormat(), event, null, connectionId);
    }

    public static ParseResult skipped(final String format, final String reason) {
        return new ParseResult(ParseStatus.SKIPPED, format, null, reason, null);
    }

    public static ParseResult invalid(final String format, final String reason) {
        return new ParseResult(ParseStatus.INVALID, format, null, reason, null);
    }

    /** True when this line was cut short but still carries its connection's fields. */
    public boolean truncated() {
        return status == ParseStatus.EVENT && reason != null && reason.startsWith("truncated");
    }
}
