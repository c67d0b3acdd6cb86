package io.milterwatch.processor.firewall;

import java.time.ZoneId;

/**
 * Strips a syslog header, if any, and records its time, host and program: {@code <PRI>} alone,
 * RFC 5424 ({@code <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG}), RFC 3339 headers (rsyslog's
 * high-precision format), and BSD / RFC 3164 ({@code Mmm dd HH:MM:SS}, day padded with a space or a
 * zero, optional year and fraction, optional host, optional {@code prog[pid]:}). Hand-written: it
 * runs for every line.
 */
final class SyslogHeader {

    private final Times.Parsed parsed = new Times.Parsed();

    /** Parses the header of {@code line.body}, leaving the message in {@code line.body}. */
    void strip(final Line line, final ZoneId zone) {
        final String s = line.body;
        final int n = s.length();
        int p = 0;
        if (p < n && s.charAt(p) == '<') {
            int q = p + 1;
            while (q < n && q - p <= 4 && s.charAt(q) >= '0' && s.charAt(q) <= '9') {
                q++;
            }
            if (q > p + 1 && q < n && s.charAt(q) == '>') {
                p = q + 1;
                line.enveloped = true;
            }
        }
        if (p + 2 < n && s.charAt(p) == '1' && s.charAt(p + 1) == ' '
                && (s.charAt(p + 2) == '-' || Times.rfc3339(s, p + 2, zone, parsed) && s.charAt(p + 6) == '-')) {
            rfc5424(line, s, p + 2, zone);
            return;
        }
        int afterTime = -1;
        // A header's time ends at a space; one that ends at a comma is the first field of a CSV
        // record (PAN-OS without FUTURE_USE and with a high-resolution receive time).
        if (Times.rfc3339(s, p, zone, parsed) && s.charAt(p + 10) != ' ' && (parsed.end >= n || s.charAt(parsed.end) != ',')) {
            line.headerTimeMs = parsed.epochMs;
            afterTime = parsed.end;
        } else {
            afterTime = bsd(line, s, p, zone);
        }
        if (afterTime < 0) {
            line.body = p == 0 ? s : s.substring(p);
            return;
        }
        line.enveloped = true;
        hostAndTag(line, s, afterTime);
    }

    /** BSD time at p; sets the time and returns the index after it, or -1. */
    private int bsd(final Line line, final String s, final int p, final ZoneId zone) {
        final int month = Times.month(s, p);
        if (month == 0 || p + 3 >= s.length() || s.charAt(p + 3) != ' ') {
            return -1;
        }
        int q = p + 4;
        if (q < s.length() && s.charAt(q) == ' ') {
            q++;
        }
        int day = Times.digits(s, q, 2);
        if (day >= 0) {
            q += 2;
        } else {
            day = Times.digits(s, q, 1);
            q += 1;
        }
        if (day < 1 || q >= s.length() || s.charAt(q) != ' ') {
            return -1;
        }
        q++;
        int year = -1;
        if (Times.digits(s, q, 4) >= 0 && q + 4 < s.length() && s.charAt(q + 4) == ' ') {
            year = Times.digits(s, q, 4);
            q += 5;
        }
        final int hour = Times.digits(s, q, 2);
        final int minute = Times.digits(s, q + 3, 2);
        final int second = Times.digits(s, q + 6, 2);
        if (hour < 0 || minute < 0 || second < 0 || s.charAt(q + 2) != ':' || s.charAt(q + 5) != ':'
                || !Times.validTime(hour, minute, second)) {
            return -1;
        }
        q += 8;
        int millis = 0;
        if (q < s.length() && s.charAt(q) == '.') {
            q++;
            int scale = 100;
            while (q < s.length() && s.charAt(q) >= '0' && s.charAt(q) <= '9') {
                millis += (s.charAt(q) - '0') * scale;
                scale /= 10;
                q++;
            }
        }
        if (q < s.length() && s.charAt(q) == ':') {
            q++; // Cisco IOS writes "Jan 24 11:28:30.407: "
        }
        if (year >= 0) {
            if (!Times.validDate(year, month, day)) {
                return -1;
            }
            line.headerTimeMs = Times.epochMs(year, month, day, hour, minute, second, millis, zone);
        } else {
            if (day > 31) {
                return -1;
            }
            line.headerTimeMs = Times.inferYear(month, day, hour, minute, second, millis, zone, line.context.ingestTimeMs());
            if (line.headerTimeMs == Times.MISSING) {
                return -1;
            }
        }
        return q;
    }

    private static void hostAndTag(final Line line, final String s, final int from) {
        final int n = s.length();
        int p = skipSpaces(s, from);
        int end = tokenEnd(s, p);
        if (p >= n) {
            line.body = "";
            return;
        }
        if (isTag(s, p, end) && netfilterFollows(s, p, end)) {
            // "DROP_INPUT: IN=..." with no host: a log prefix, not a program name
            line.body = s.substring(p);
            return;
        }
        if (!isTag(s, p, end)) {
            if (!looksLikeHost(s, p, end)) {
                line.body = s.substring(p);
                return;
            }
            line.host = s.substring(p, end);
            p = skipSpaces(s, end);
            end = tokenEnd(s, p);
            if (p < n && end == p + 1 && s.charAt(p) == ':') {
                // "host : %ASA-..." (Cisco with a space before the colon)
                line.body = s.substring(skipSpaces(s, end));
                return;
            }
        }
        if (p < n && isTag(s, p, end) && !netfilterFollows(s, p, end)) {
            int nameEnd = p;
            while (nameEnd < end && s.charAt(nameEnd) != '[' && s.charAt(nameEnd) != ':') {
                nameEnd++;
            }
            line.tag = s.substring(p, nameEnd);
            p = end;
            if (p < n && s.charAt(p) == ' ') {
                p++;
            }
        }
        line.body = p >= n ? "" : s.substring(p);
    }

    /** {@code prog:} or {@code prog[pid]:}; not {@code %ASA-6-302013:} (that is the message) nor {@code IN=}. */
    private static boolean isTag(final String s, final int p, final int end) {
        if (end - p < 2 || s.charAt(end - 1) != ':' || s.charAt(p) == '%') {
            return false;
        }
        for (int i = p; i < end - 1; i++) {
            final char c = s.charAt(i);
            if (c == '=' || c == ',' || c == '"') {
                return false;
            }
        }
        return true;
    }

    /** ulogd's LOGEMU writes "host PREFIX: IN=..." with no program: a "tag" right before IN= is the log prefix. */
    private static boolean netfilterFollows(final String s, final int tokenStart, final int tokenEnd) {
        if (s.startsWith("kernel", tokenStart) && (s.charAt(tokenStart + 6) == ':' || s.charAt(tokenStart + 6) == '[')) {
            return false; // "kernel: IN=..." is the kernel's own line without a prefix
        }
        final int p = skipSpaces(s, tokenEnd);
        return s.startsWith("IN=", p);
    }

    private static boolean looksLikeHost(final String s, final int p, final int end) {
        for (int i = p; i < end; i++) {
            final char c = s.charAt(i);
            if (c == '=' || c == ',' || c == '[' || c == '%' || c == '"' || c == '{') {
                return false;
            }
        }
        return end > p;
    }

    private void rfc5424(final Line line, final String s, final int from, final ZoneId zone) {
        line.enveloped = true;
        int p = from;
        if (s.charAt(p) == '-') {
            p++;
        } else {
            Times.rfc3339(s, p, zone, parsed);
            line.headerTimeMs = parsed.epochMs;
            p = parsed.end;
        }
        final String[] fields = new String[3];
        for (int i = 0; i < 4; i++) {
            p = skipSpaces(s, p);
            final int end = tokenEnd(s, p);
            if (i < 3) {
                fields[i] = s.substring(p, end);
            }
            p = end;
        }
        if (!"-".equals(fields[0])) {
            line.host = fields[0];
        }
        if (!"-".equals(fields[1])) {
            line.tag = fields[1];
        }
        p = skipSpaces(s, p);
        if (p < s.length() && s.charAt(p) == '[') {
            final int sdStart = p;
            while (p < s.length() && s.charAt(p) == '[') {
                p++;
                while (p < s.length() && s.charAt(p) != ']') {
                    if (s.charAt(p) == '\\') {
                        p++;
                    } else if (s.charAt(p) == '"') {
                        p++;
                        while (p < s.length() && s.charAt(p) != '"') {
                            if (s.charAt(p) == '\\') {
                                p++;
                            }
                            p++;
                        }
                    }
                    p++;
                }
                p++;
            }
            line.structuredData = s.substring(sdStart, Math.min(p, s.length()));
        } else if (p < s.length() && s.charAt(p) == '-') {
            p++;
        }
        if (p < s.length() && s.charAt(p) == ' ') {
            p++;
        }
        if (p < s.length() && s.charAt(p) == '\uFEFF') {
            p++;
        }
        line.body = p >= s.length() ? "" : s.substring(p);
    }

    private static int skipSpaces(final String s, final int from) {
        int p = from;
        while (p < s.length() && s.charAt(p) == ' ') {
            p++;
        }
        return p;
    }

    private static int tokenEnd(final String s, final int from) {
        int p = from;
        while (p < s.length() && s.charAt(p) != ' ') {
            p++;
        }
        return p;
    }
}
