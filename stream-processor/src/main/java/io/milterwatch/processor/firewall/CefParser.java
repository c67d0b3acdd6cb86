package io.milterwatch.processor.firewall;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.milterwatch.schema.FirewallAction;

/**
 * ArcSight Common Event Format, as any vendor emits it (Check Point, Sophos, Forcepoint, Palo Alto
 * Networks' log forwarding and Cortex Data Lake, ...):
 * {@code CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension},
 * after a syslog header or none. Escaping by the CEF specification (rev. 25): {@code \|} and
 * {@code \\} in the header; {@code \=}, {@code \\}, {@code \n}, {@code \r} in extension values, where
 * a value runs to the next {@code key=}. Keys by their short or full names: {@code src}/{@code sourceAddress},
 * {@code dst}, {@code spt}, {@code dpt}, {@code proto}, {@code act}; IPv6 in {@code c6a2}/{@code c6a3}.
 *
 * <p>A record with addresses and a destination port (or a port-less protocol) is an event; any
 * other is skipped. Palo Alto Networks records ({@code |Palo Alto Networks|LF|} and PAN-OS's own)
 * are events only for the TRAFFIC class, as the PAN-OS CSV is. The action comes from {@code act},
 * else from the event name ({@code Connection_Discarded}), else it is UNKNOWN. Time from {@code rt},
 * else {@code end}, else {@code start}, in {@code dtz} when the value has no zone.
 */
final class CefParser {

    static final String FORMAT = "cef";

    private final FirewallParserConfig config;
    private final VendorTime times = new VendorTime();
    private final Map<String, String> ext = new HashMap<>();
    private final String[] header = new String[7];
    private String lastDtz;
    private java.time.ZoneId lastZone;

    CefParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /**
     * Index of {@code CEF:<digits>|} in s, or -1. Lines without a '|' (most other formats) cost one
     * character scan; the marker is usually right before the first '|'.
     */
    static int start(final String s) {
        final int bar = s.indexOf('|');
        if (bar < 0) {
            return -1;
        }
        int d = bar;
        while (d > 0 && s.charAt(d - 1) >= '0' && s.charAt(d - 1) <= '9') {
            d--;
        }
        if (d < bar && d >= 4 && s.startsWith("CEF:", d - 4) && (d == 4 || !Character.isLetterOrDigit(s.charAt(d - 5)))) {
            return d - 4;
        }
        int i = s.indexOf("CEF:");
        while (i >= 0) {
            int p = i + 4;
            while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                p++;
            }
            if (p > i + 4 && p < s.length() && s.charAt(p) == '|' && (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)))) {
                return i;
            }
            i = s.indexOf("CEF:", i + 4);
        }
        return -1;
    }

    ParseResult parse(final Line line, final int from) {
        final String s = line.body;
        int p = s.indexOf('|', from) + 1;
        for (int field = 0; field < 6; field++) {
            final int end = headerEnd(s, p);
            if (end < 0) {
                return ParseResult.invalid(FORMAT, "CEF header with " + (field + 1) + " of its 7 fields (truncated?)");
            }
            header[field] = unescapeHeader(s, p, end);
            p = end + 1;
        }
        ext.clear();
        extension(s, p, ext);
        final String vendor = header[0];
        final String product = header[1];
        final String classId = header[3];
        final String name = header[4];
        if (isPaloAlto(vendor) && !isTraffic(classId, product, name)) {
            return ParseResult.skipped(FORMAT, "Palo Alto Networks " + Events.quote(classId) + " record is not a TRAFFIC log");
        }
        final String src = first("src", "sourceAddress", "c6a2", "sourceTranslatedAddress");
        final String dst = first("dst", "destinationAddress", "c6a3");
        final String spt = first("spt", "sourcePort");
        final String dpt = first("dpt", "destinationPort");
        final String proto = first("proto", "transportProtocol");
        final String act = first("act", "deviceAction");
        FirewallAction action = Connections.action(act);
        if (action == null && act == null) {
            action = Connections.actionInName(name);
        }
        final String dtz = ext.get("dtz");
        if (dtz != null && !dtz.equals(lastDtz)) {
            lastZone = VendorTime.zone(dtz, config.zone());
            lastDtz = dtz;
        }
        final java.time.ZoneId zone = dtz == null ? config.zone() : lastZone;
        long time = times.parse(first("rt", "receiptTime"), zone, line.context.ingestTimeMs());
        if (time == Times.MISSING) {
            time = times.parse(first("end", "endTime"), zone, line.context.ingestTimeMs());
        }
        if (time == Times.MISSING) {
            time = times.parse(first("start", "startTime"), zone, line.context.ingestTimeMs());
        }
        final String device = first("dvchost", "deviceHostName", "deviceExternalId", "dvc", "deviceAddress");
        final String direction = direction(ext.get("deviceDirection"));
        return Connections.build(line, config.maxLineChars(), FORMAT, time, src, dst, spt, dpt, proto, action, act, direction,
                line.host != null ? null : device, rule());
    }

    private String first(final String... keys) {
        for (final String k : keys) {
            final String v = ext.get(k);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** The value of the custom string whose label names a rule (cs1Label=Rule, RuleID, Rule Name...). */
    private String rule() {
        for (int i = 1; i <= 6; i++) {
            final String label = ext.get("cs" + i + "Label");
            if (label != null && label.toLowerCase(Locale.ROOT).contains("rule")) {
                final String v = ext.get("cs" + i);
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        }
        return null;
    }

    static String direction(final String deviceDirection) {
        if ("0".equals(deviceDirection)) {
            return "IN";
        }
        if ("1".equals(deviceDirection)) {
            return "OUT";
        }
        return null;
    }

    static boolean isPaloAlto(final String vendor) {
        return vendor.equalsIgnoreCase("Palo Alto Networks");
    }

    /** PAN-OS puts the log type in the class id (LF: TRAFFIC; PAN-OS 8+: TRAFFIC; older: the product is "PAN-OS" and the name "TRAFFIC"). */
    private static boolean isTraffic(final String classId, final String product, final String name) {
        return classId.equalsIgnoreCase("TRAFFIC") || classId.toUpperCase(Locale.ROOT).startsWith("TRAFFIC")
                || name.toUpperCase(Locale.ROOT).startsWith("TRAFFIC");
    }

    /** Index of the next unescaped '|' from p, or -1. */
    private static int headerEnd(final String s, final int from) {
        for (int i = from; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '|') {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasBackslash(final String s, final int from, final int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '\\') {
                return true;
            }
        }
        return false;
    }

    private static String unescapeHeader(final String s, final int from, final int to) {
        if (!hasBackslash(s, from, to)) {
            return s.substring(from, to);
        }
        final StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < to && (s.charAt(i + 1) == '|' || s.charAt(i + 1) == '\\')) {
                i++;
                b.append(s.charAt(i));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * CEF extension {@code s[from..]} into out: a key is a word of letters, digits, '_', '.', '[', ']'
     * or '-' directly before an unescaped '=' and after a space (or the start); its value runs to the
     * space before the next key. An '=' after anything else (a URL's query) belongs to the value.
     */
    static void extension(final String s, final int from, final Map<String, String> out) {
        int keyStart = -1;
        int eq = -1;
        final int n = s.length();
        int i = from;
        while (i < n && s.charAt(i) == ' ') {
            i++;
        }
        int tokenStart = i;
        for (; i < n; i++) {
            final char c = s.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == ' ') {
                tokenStart = i + 1;
            } else if (c == '=' && tokenStart < i && isKey(s, tokenStart, i)) {
                if (eq >= 0) {
                    put(out, s, keyStart, eq, tokenStart - 1);
                }
                keyStart = tokenStart;
                eq = i;
                tokenStart = Integer.MAX_VALUE; // '=' later in the value are the value's
            }
        }
        if (eq >= 0) {
            put(out, s, keyStart, eq, n);
        }
    }

    private static void put(final Map<String, String> out, final String s, final int keyStart, final int eq, final int valueEnd) {
        int end = valueEnd;
        while (end > eq + 1 && s.charAt(end - 1) == ' ') {
            end--;
        }
        out.putIfAbsent(s.substring(keyStart, eq), unescapeValue(s, eq + 1, end));
    }

    private static boolean isKey(final String s, final int from, final int to) {
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '[' || c == ']'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static String unescapeValue(final String s, final int from, final int to) {
        if (!hasBackslash(s, from, to)) {
            return s.substring(from, to);
        }
        final StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < to) {
                final char d = s.charAt(++i);
                b.append(d == 'n' ? '\n' : d == 'r' ? '\r' : d);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
