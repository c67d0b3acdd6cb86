package io.milterwatch.processor.firewall;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * The time forms CEF, LEEF and JSON records carry: epoch seconds or milliseconds, RFC 3339, and the
 * ArcSight form {@code MMM dd [yyyy] HH:mm:ss[.SSS] [zone]} (CEF {@code rt}, LEEF {@code devTime}).
 * A time without a zone is in the record's zone (CEF {@code dtz}) or the configured one; one without
 * a year gets the latest year that does not put it after the ingest time.
 */
final class VendorTime {

    private static final DateTimeFormatter ARCSIGHT = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("MMM d")
            .optionalStart().appendLiteral(' ').appendValue(ChronoField.YEAR, 4).optionalEnd()
            .appendLiteral(' ').appendPattern("HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .optionalStart().appendLiteral(' ').appendPattern("'GMT'xxx").optionalEnd()
            .optionalStart().appendLiteral(' ').appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendLiteral(' ').appendZoneText(java.time.format.TextStyle.SHORT).optionalEnd()
            .toFormatter(Locale.ROOT);

    private final Times.Parsed parsed = new Times.Parsed();

    /** Epoch ms, or {@link Times#MISSING} when the text is none of the forms. */
    long parse(final String text, final ZoneId zone, final long ingestMs) {
        if (text == null || text.isBlank()) {
            return Times.MISSING;
        }
        final String t = collapse(text.strip());
        if (allDigits(t)) {
            // seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by their length
            if (t.length() > 19) {
                return Times.MISSING;
            }
            final long v = Long.parseLong(t);
            return t.length() <= 10 ? v * 1000L : t.length() <= 13 ? v : t.length() <= 16 ? v / 1000L : v / 1_000_000L;
        }
        if (Times.rfc3339(t, 0, zone, parsed) && parsed.end == t.length()) {
            return parsed.epochMs;
        }
        if (t.length() > 4 && Times.digits(t, 0, 4) >= 0 && t.charAt(4) == '/' && Times.rfc3339(t.replace('/', '-'), 0, zone, parsed)) {
            return parsed.epochMs;
        }
        final long fast = arcsightWithoutZone(t, zone, ingestMs);
        if (fast != NOT_THIS_FORM) {
            return fast;
        }
        try {
            final TemporalAccessor a = ARCSIGHT.parse(t);
            final LocalDateTime local;
            if (a.isSupported(ChronoField.YEAR)) {
                local = LocalDateTime.of(a.get(ChronoField.YEAR), a.get(ChronoField.MONTH_OF_YEAR), a.get(ChronoField.DAY_OF_MONTH),
                        a.get(ChronoField.HOUR_OF_DAY), a.get(ChronoField.MINUTE_OF_HOUR), a.get(ChronoField.SECOND_OF_MINUTE),
                        a.get(ChronoField.NANO_OF_SECOND));
            } else {
                final ZoneId z = zoneOf(a, zone);
                return Times.inferYear(a.get(ChronoField.MONTH_OF_YEAR), a.get(ChronoField.DAY_OF_MONTH), a.get(ChronoField.HOUR_OF_DAY),
                        a.get(ChronoField.MINUTE_OF_HOUR), a.get(ChronoField.SECOND_OF_MINUTE), a.get(ChronoField.NANO_OF_SECOND) / 1_000_000,
                        z, ingestMs);
            }
            return ZonedDateTime.of(local, zoneOf(a, zone)).toInstant().toEpochMilli();
        } catch (final DateTimeException e) {
            return Times.MISSING;
        }
    }

    private static final long NOT_THIS_FORM = Long.MAX_VALUE;

    /** The common ArcSight form without a zone, {@code MMM d[d] [yyyy ]HH:mm:ss[.fraction]}, without the formatter's cost. */
    private static long arcsightWithoutZone(final String t, final ZoneId zone, final long ingestMs) {
        final int month = Times.month(t, 0);
        if (month == 0 || t.length() < 14 || t.charAt(3) != ' ') {
            return NOT_THIS_FORM;
        }
        int p = 4;
        final int dayDigits = t.charAt(p + 1) == ' ' ? 1 : 2;
        final int day = Times.digits(t, p, dayDigits);
        p += dayDigits;
        if (day < 0 || p >= t.length() || t.charAt(p) != ' ') {
            return NOT_THIS_FORM;
        }
        p++;
        int year = -1;
        if (p + 5 <= t.length() && t.charAt(p + 4) == ' ') {
            year = Times.digits(t, p, 4);
            if (year < 0) {
                return NOT_THIS_FORM;
            }
            p += 5;
        }
        if (p + 8 > t.length() || t.charAt(p + 2) != ':' || t.charAt(p + 5) != ':') {
            return NOT_THIS_FORM;
        }
        final int hour = Times.digits(t, p, 2);
        final int minute = Times.digits(t, p + 3, 2);
        final int second = Times.digits(t, p + 6, 2);
        p += 8;
        int millis = 0;
        if (p < t.length() && t.charAt(p) == '.') {
            p++;
            int scale = 100;
            final int start = p;
            while (p < t.length() && t.charAt(p) >= '0' && t.charAt(p) <= '9') {
                millis += (t.charAt(p) - '0') * scale;
                scale /= 10;
                p++;
            }
            if (p == start) {
                return NOT_THIS_FORM;
            }
        }
        if (p != t.length() || hour < 0 || minute < 0 || second < 0 || !Times.validTime(hour, minute, second)) {
            return NOT_THIS_FORM;
        }
        if (year < 0) {
            return Times.inferYear(month, day, hour, minute, second, millis, zone, ingestMs);
        }
        return Times.validDate(year, month, day) ? Times.epochMs(year, month, day, hour, minute, second, millis, zone) : Times.MISSING;
    }

    private static ZoneId zoneOf(final TemporalAccessor a, final ZoneId fallback) {
        if (a.isSupported(ChronoField.OFFSET_SECONDS)) {
            return java.time.ZoneOffset.ofTotalSeconds(a.get(ChronoField.OFFSET_SECONDS));
        }
        final ZoneId z = a.query(java.time.temporal.TemporalQueries.zoneId());
        return z != null ? z : fallback;
    }

    /** "Mar  5" (syslog's padded day) reads as "Mar 5". */
    private static String collapse(final String s) {
        return s.indexOf("  ") < 0 ? s : s.replaceAll(" {2,}", " ");
    }

    private static boolean allDigits(final String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** A zone id from a record ({@code dtz=UTC}, {@code Europe/Berlin}), or the fallback. */
    static ZoneId zone(final String id, final ZoneId fallback) {
        if (id == null || id.isBlank()) {
            return fallback;
        }
        try {
            return ZoneId.of(id.strip());
        } catch (final DateTimeException e) {
            return fallback;
        }
    }
}
