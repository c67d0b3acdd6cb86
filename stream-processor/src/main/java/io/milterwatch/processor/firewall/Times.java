package io.milterwatch.processor.firewall;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Calendar arithmetic for log timestamps, hand-rolled because it runs for every line: civil date to
 * epoch without allocation, syslog month names, RFC 3339, and the year that BSD syslog leaves out.
 */
final class Times {

    static final long MISSING = Long.MIN_VALUE;
    private static final long DAY_MS = 86_400_000L;

    private Times() {
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
    static long epochDay(final int year, final int month, final int day) {
        final int y = month <= 2 ? year - 1 : year;
        final int era = Math.floorDiv(y, 400);
        final int yoe = y - era * 400;
        final int mp = (month + 9) % 12;
        final int doy = (153 * mp + 2) / 5 + day - 1;
        final int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }

    static int yearOfEpochDay(final long epochDay) {
        final long z = epochDay + 719_468L;
        final long era = Math.floorDiv(z, 146_097L);
        final long doe = z - era * 146_097L;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final long month = mp < 10 ? mp + 3 : mp - 9;
        return (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    }

    static boolean validDate(final int year, final int month, final int day) {
        if (month < 1 || month > 12 || day < 1) {
            return false;
        }
        final int max = switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
        return day <= max;
    }

    static boolean validTime(final int hour, final int minute, final int second) {
        return hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second <= 60;
    }

    /** Epoch ms of a wall-clock time in {@code zone}; the caller has validated the fields. */
    static long epochMs(final int year, final int month, final int day, final int hour, final int minute, final int second,
            final int millis, final ZoneId zone) {
        final long local = epochDay(year, month, day) * DAY_MS + (hour * 3600L + minute * 60L + Math.min(second, 59)) * 1000L + millis;
        final int offsetSeconds;
        if (zone instanceof ZoneOffset fixed) {
            offsetSeconds = fixed.getTotalSeconds();
        } else {
            offsetSeconds = zone.getRules().getOffset(LocalDateTime.of(year, month, day, hour, minute, Math.min(second, 59)))
                    .getTotalSeconds();
        }
        return local - offsetSeconds * 1000L;
    }

    /** 1..12 for "Jan".."Dec" (any case) at {@code s[i, i+3)}, else 0. */
    static int month(final String s, final int i) {
        if (i + 3 > s.length()) {
            return 0;
        }
        final int a = s.charAt(i) | 0x20;
        final int b = s.charAt(i + 1) | 0x20;
        final int c = s.charAt(i + 2) | 0x20;
        return switch (a << 16 | b << 8 | c) {
            case 'j' << 16 | 'a' << 8 | 'n' -> 1;
            case 'f' << 16 | 'e' << 8 | 'b' -> 2;
            case 'm' << 16 | 'a' << 8 | 'r' -> 3;
            case 'a' << 16 | 'p' << 8 | 'r' -> 4;
            case 'm' << 16 | 'a' << 8 | 'y' -> 5;
            case 'j' << 16 | 'u' << 8 | 'n' -> 6;
            case 'j' << 16 | 'u' << 8 | 'l' -> 7;
            case 'a' << 16 | 'u' << 8 | 'g' -> 8;
            case 's' << 16 | 'e' << 8 | 'p' -> 9;
            case 'o' << 16 | 'c' << 8 | 't' -> 10;
            case 'n' << 16 | 'o' << 8 | 'v' -> 11;
            case 'd' << 16 | 'e' << 8 | 'c' -> 12;
            default -> 0;
        };
    }

    /** How far ahead of the ingest time a sender's clock may run before its time is taken as last year's. */
    static final long FUTURE_TOLERANCE_MS = 2 * DAY_MS;

    /**
     * A BSD syslog time without a year: the latest of (ingest year + 1, ingest year, ingest year - 1)
     * that is not after the ingest time (plus a tolerance for clocks that run ahead). Logs are read
     * after they are written: a Dec 31 line read on Jan 1 gets the old year, a Jan 15 line read in
     * November is from this January, and a Jan 1 line from a sender whose clock runs a little ahead,
     * read on Dec 31, gets the new year.
     */
    static long inferYear(final int month, final int day, final int hour, final int minute, final int second, final int millis,
            final ZoneId zone, final long ingestMs) {
        final int offsetGuess = zone instanceof ZoneOffset fixed ? fixed.getTotalSeconds() : 0;
        final int ingestYear = yearOfEpochDay(Math.floorDiv(ingestMs + offsetGuess * 1000L, DAY_MS));
        long earliest = MISSING;
        for (int year = ingestYear + 1; year >= ingestYear - 4; year--) {
            if (!validDate(year, month, day)) {
                continue; // Feb 29 only exists in leap years
            }
            final long t = epochMs(year, month, day, hour, minute, second, millis, zone);
            if (t <= ingestMs + FUTURE_TOLERANCE_MS) {
                return t;
            }
            earliest = t;
        }
        return earliest;
    }

    static int digits(final String s, final int from, final int count) {
        if (from < 0 || from + count > s.length()) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < from + count; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Result of {@link #rfc3339}: the epoch ms and the index just after the timestamp. */
    static final class Parsed {
        long epochMs;
        int end;
    }

    /**
     * RFC 3339 / ISO 8601 at {@code s[i..]}: {@code yyyy-MM-ddTHH:mm:ss[.fraction][Z|±HH:MM|±HHMM]}; a 'T' or
     * one space between date and time. Without a zone, {@code zone} applies. False when it is not one.
     */
    static boolean rfc3339(final String s, final int i, final ZoneId zone, final Parsed out) {
        final int year = digits(s, i, 4);
        if (year < 0 || i + 19 > s.length() || s.charAt(i + 4) != '-' || s.charAt(i + 7) != '-'
                || (s.charAt(i + 10) != 'T' && s.charAt(i + 10) != ' ' && s.charAt(i + 10) != 't')
                || s.charAt(i + 13) != ':' || s.charAt(i + 16) != ':') {
            return false;
        }
        final int month = digits(s, i + 5, 2);
        final int day = digits(s, i + 8, 2);
        final int hour = digits(s, i + 11, 2);
        final int minute = digits(s, i + 14, 2);
        final int second = digits(s, i + 17, 2);
        if (!validDate(year, month, day) || !validTime(hour, minute, second)) {
            return false;
        }
        int p = i + 19;
        int millis = 0;
        if (p < s.length() && (s.charAt(p) == '.' || s.charAt(p) == ',')) {
            p++;
            int scale = 100;
            final int start = p;
            while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                if (scale > 0) {
                    millis += (s.charAt(p) - '0') * scale;
                    scale /= 10;
                }
                p++;
            }
            if (p == start) {
                return false;
            }
        }
        long offsetMs = MISSING;
        if (p < s.length()) {
            final char c = s.charAt(p);
            if (c == 'Z' || c == 'z') {
                offsetMs = 0;
                p++;
            } else if ((c == '+' || c == '-') && digits(s, p + 1, 2) >= 0) {
                final int oh = digits(s, p + 1, 2);
                int om;
                int len;
                if (p + 3 < s.length() && s.charAt(p + 3) == ':') {
                    om = digits(s, p + 4, 2);
                    len = 6;
                } else {
                    om = digits(s, p + 3, 2);
                    len = 5;
                }
                if (om < 0 || oh > 18 || om > 59) {
                    return false;
                }
                offsetMs = (oh * 3600L + om * 60L) * 1000L * (c == '-' ? -1 : 1);
                p += len;
            }
        }
        if (offsetMs == MISSING) {
            out.epochMs = epochMs(year, month, day, hour, minute, second, millis, zone);
        } else {
            out.epochMs = epochDay(year, month, day) * DAY_MS + (hour * 3600L + minute * 60L + Math.min(second, 59)) * 1000L + millis
                    - offsetMs;
        }
        out.end = p;
        return true;
    }
}
