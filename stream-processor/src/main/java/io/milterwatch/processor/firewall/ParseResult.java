package io.milterwatch.processor.firewall;

import java.util.Objects;

import io.milterwatch.schema.FirewallEvent;

/**
 * What the parser made of one line.
 *
 * @param status the outcome
 * @param format the format the line was recognised as, or null when it was not recognised
 * @param event the normalised event when {@code status == EVENT}, else null
 * @param reason why the line was skipped or invalid, else null
 */
public record ParseResult(ParseStatus status, String format, FirewallEvent event, String reason) {

    public ParseResult {
        Objects.requireNonNull(status, "status");
        if (status == ParseStatus.EVENT && event == null) {
            throw new IllegalArgumentException("an EVENT result needs an event");
        }
        if (status != ParseStatus.EVENT && reason == null) {
            throw new IllegalArgumentException("a " + status + " result needs a reason");
        }
    }

    public static ParseResult event(final FirewallEvent event) {
        return new ParseResult(ParseStatus.EVENT, event.getFormat(), event, null);
    }

    public static ParseResult skipped(final String format, final String reason) {
        return new ParseResult(ParseStatus.SKIPPED, format, null, reason);
    }

    public static ParseResult invalid(final String format, final String reason) {
        return new ParseResult(ParseStatus.INVALID, format, null, reason);
    }
}
