package io.milterwatch.processor.firewall;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.milterwatch.schema.FirewallAction;

/**
 * IBM QRadar's Log Event Extended Format: {@code LEEF:1.0|Vendor|Product|Version|EventID|attributes}
 * with tab-separated {@code key=value} attributes, and {@code LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|attributes}
 * whose sixth header field names the attribute delimiter: one character, or its code as {@code 0x5E} /
 * {@code x5E} (an empty field means tab). Syslog relays that turn a tab into {@code #011} (rsyslog) are
 * read as tab; a LEEF 1.0 line without any tab is read with '|' between attributes when it has them
 * (PAN-OS's LEEF profile: {@code LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|...|allow|cat=TRAFFIC|...}),
 * else with spaces, a value then running to the next {@code key=}, as in CEF.
 *
 * <p>The predefined keys: {@code src}, {@code dst}, {@code srcPort}, {@code dstPort}, {@code proto},
 * {@code devTime} with {@code devTimeFormat} (a Java date pattern); vendors add {@code action} (or
 * {@code act}) and the rule. Connection rule and actions as in CEF: no destination port, no event.
 */
final class LeefParser {

    static final String FORMAT = "leef";

    private static final java.util.regex.Pattern PIPE_SEPARATED = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]+=[^|=]*\\|[A-Za-z0-9_.-]+=");

    private final FirewallParserConfig config;
    private final VendorTime times = new VendorTime();
    private final Map<String, String> attrs = new HashMap<>();
    private final Map<String, String> lower = new HashMap<>();
    private String lastPattern;
    private DateTimeFormatter lastFormatter;

    LeefParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** Index of {@code LEEF:<digit>} in s, or -1; lines without a '|' cost one character scan. */
    static int start(final String s) {
        if (s.indexOf('|') < 0) {
            return -1;
        }
        final int i = s.indexOf("LEEF:");
        if (i < 0 || i + 6 > s.length() || s.charAt(i + 5) < '0' || s.charAt(i + 5) > '9') {
            return -1;
        }
        return s.indexOf('|', i) > 0 ? i : -1;
    }

    ParseResult parse(final Line line, final int from) {
        final String s = line.body;
        final int bar = s.indexOf('|', from);
        final String version = s.substring(from + 5, bar).strip();
        final boolean v2 = version.startsWith("2");
        int p = bar + 1;
        final String[] header = new String[5];
        final int fields = v2 ? 5 : 4;
        for (int f = 0; f < fields; f++) {
            final int end = s.indexOf('|', p);
            if (end < 0) {
                if (f == 4 && v2) {
                    // LEEF 2.0 without the delimiter field: the attributes follow the event id
                    break;
                }
                return ParseResult.invalid(FORMAT, "LEEF header with " + (f + 1) + " of its " + (fields + 1) + " fields (truncated?)");
            }
            if (f == 4 && s.indexOf('=', p) >= 0 && s.indexOf('=', p) < end) {
                // LEEF 2.0 without the delimiter field: what follows the event id is already attributes
                break;
            }
            header[f] = s.substring(p, end);
            p = end + 1;
        }
        char delimiter = '\t';
        if (v2 && header[4] != null) {
            final int d = delimiter(header[4]);
            if (d < 0) {
                return ParseResult.invalid(FORMAT, "LEEF 2.0 delimiter " + Events.quote(header[4]) + " is not one character or its hex code");
            }
            delimiter = (char) d;
        }
        String body = s.substring(p);
        if (body.contains("#011")) {
            body = body.replace("#011", "\t");
        }
        attrs.clear();
        if (!v2 && body.indexOf('\t') < 0) {
            // LEEF 1.0 without tabs: PAN-OS's LEEF profile separates attributes with '|'; others with spaces
            if (PIPE_SEPARATED.matcher(body).lookingAt()) {
                split(body, '|', attrs);
            } else {
                CefParser.extension(body, 0, attrs);
            }
        } else {
            split(body, delimiter, attrs);
        }
        lower.clear();
        for (final Map.Entry<String, String> e : attrs.entrySet()) {
            lower.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        }
        final String vendor = header[0];
        final String eventId = header[3];
        if (CefParser.isPaloAlto(vendor) && eventId != null && !eventId.toUpperCase(Locale.ROOT).startsWith("TRAFFIC")
                && !"TRAFFIC".equalsIgnoreCase(lower.get("cat"))) {
            return ParseResult.skipped(FORMAT, "Palo Alto Networks " + Events.quote(eventId) + " record is not a TRAFFIC log");
        }
        final String src = first("src", "srcip", "sourceaddress");
        final String dst = first("dst", "dstip", "destinationaddress");
        final String spt = first("srcport", "spt", "sourceport");
        final String dpt = first("dstport", "dpt", "destinationport");
        final String proto = first("proto", "protocol");
        final String act = first("action", "act", "disposition");
        FirewallAction action = Connections.action(act);
        if (action == null && act == null) {
            action = Connections.actionInName(eventId);
        }
        final long time = time(line);
        final String device = first("devname", "dvchost", "identhostname", "dvc");
        final String rule = first("rule", "rulename", "policy", "policyid", "rule_name");
        return Connections.build(line, config.maxLineChars(), FORMAT, time, src, dst, spt, dpt, proto, action, act, null,
                line.host != null ? null : device, rule);
    }

    private long time(final Line line) {
        final String devTime = first("devtime");
        if (devTime == null) {
            return Times.MISSING;
        }
        final String pattern = first("devtimeformat");
        if (pattern != null) {
            try {
                if (!pattern.equals(lastPattern)) {
                    // one stream keeps one pattern: compile it once
                    lastFormatter = DateTimeFormatter.ofPattern(pattern, Locale.ROOT).withZone(config.zone());
                    lastPattern = pattern;
                }
                return ZonedDateTime.parse(devTime.strip(), lastFormatter).toInstant().toEpochMilli();
            } catch (final DateTimeParseException | IllegalArgumentException e) {
                // an unreadable pattern: fall back to the usual forms below
            }
        }
        final ZoneId zone = config.zone();
        return times.parse(devTime, zone, line.context.ingestTimeMs());
    }

    private String first(final String... keys) {
        for (final String k : keys) {
            final String v = lower.get(k);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** The LEEF 2.0 delimiter field: a character, or 0xHH / xHH; tab when empty; -1 when unreadable. */
    static int delimiter(final String field) {
        if (field.isEmpty()) {
            return '\t';
        }
        if (field.length() == 1) {
            return field.charAt(0);
        }
        final String hex = field.startsWith("0x") || field.startsWith("0X") ? field.substring(2)
                : field.startsWith("x") || field.startsWith("X") ? field.substring(1) : null;
        if (hex != null && !hex.isEmpty() && hex.length() <= 4) {
            try {
                return Integer.parseInt(hex, 16);
            } catch (final NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    private static void split(final String body, final char delimiter, final Map<String, String> out) {
        int p = 0;
        final int n = body.length();
        while (p <= n) {
            int end = body.indexOf(delimiter, p);
            if (end < 0) {
                end = n;
            }
            final int eq = body.indexOf('=', p);
            if (eq > p && eq < end) {
                out.putIfAbsent(body.substring(p, eq).strip(), body.substring(eq + 1, end).strip());
            }
            p = end + 1;
        }
    }
}
