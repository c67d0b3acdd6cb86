package io.milterwatch.cli;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/**
 * A point in time as an operator types it: a duration back from now ({@code 90s}, {@code 10m},
 * {@code 2h}, {@code 7d}, {@code 1h30m}, or ISO-8601 {@code PT10M}) or a timestamp
 * ({@code 2026-11-28T10:00:00Z}, {@code 2026-11-28T11:00:00+01:00}, or a date, {@code 2026-11-28},
 * meaning its midnight UTC).
 */
final class Since {

    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Since() {
    }

    static Instant parse(final String text, final Clock clock) {
        final String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty time; expected a duration (10m, 2h, 1h30m, 7d) or a timestamp (2026-11-28T10:00:00Z)");
        }
        final Duration back = duration(s);
        if (back != null) {
            return clock.instant().minus(back);
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (final DateTimeException e) {
            // not a timestamp with an offset; try the other forms
        }
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (final DateTimeException e) {
            throw new IllegalArgumentException("'" + s + "' is neither a duration (10m, 2h, 1h30m, 7d, PT10M) nor a timestamp with a zone"
                    + " (2026-11-28T10:00:00Z, 2026-11-28T11:00:00+01:00) nor a date (2026-11-28)");
        }
    }

    /** The duration the text names, or null when it is not a duration. */
    private static Duration duration(final String s) {
        if (s.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                final Duration d = Duration.parse(s);
                if (d.isNegative()) {
                    throw new IllegalArgumentException("'" + s + "' is a negative duration");
                }
                return d;
            } catch (final DateTimeException e) {
                throw new IllegalArgumentException("'" + s + "' is not an ISO-8601 duration (PT10M, PT2H, P1D)");
            }
        }
        final Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            final long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            at = m.end();
        }
        return at > 0 && at == s.length() ? total : null;
    }

    /** picocli converter: a bad value is a usage error naming it. */
    static final class Converter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(final String value) {
            try {
                return parse(value, Clock.systemUTC());
            } catch (final IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
