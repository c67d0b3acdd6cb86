package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.milterwatch.schema.FirewallAction;

/**
 * Windows Firewall {@code pfirewall.log} (W3C extended): {@code #Fields:} defines the columns of the
 * lines after it, per stream; before any header the documented default columns apply. Times are
 * local with no zone: the configured zone applies. {@code CLOSE} (the end of a connection counted
 * at OPEN) and {@code INFO-EVENTS-LOST} are skipped.
 */
final class WindowsFirewallParser {

    static final String FORMAT = "windows-firewall";
    static final List<String> DEFAULT_FIELDS = List.of("date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port",
            "dst-port", "size", "tcpflags", "tcpsyn", "tcpack", "tcpwin", "icmptype", "icmpcode", "info", "path", "pid");
    private static final int MAX_STREAMS = 1024;

    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();
    /** Columns per stream (a bounded LRU, so a flood of stream names cannot grow it). */
    private final Map<String, List<String>> fields = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, List<String>> eldest) {
            return size() > MAX_STREAMS;
        }
    };

    WindowsFirewallParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** A W3C directive, or a data line "yyyy-MM-dd HH:mm:ss ACTION ...". */
    static boolean matches(final String s) {
        if (s.startsWith("#Fields:") || s.startsWith("#Version:") || s.startsWith("#Software:") || s.startsWith("#Time Format:")) {
            return true;
        }
        if (s.length() < 21 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' ' || s.charAt(13) != ':'
                || s.charAt(19) != ' ' || Times.digits(s, 0, 4) < 0) {
            return false;
        }
        return s.startsWith("ALLOW ", 20) || s.startsWith("DROP ", 20) || s.startsWith("OPEN ", 20) || s.startsWith("CLOSE ", 20)
                || s.startsWith("OPEN-INBOUND ", 20) || s.startsWith("INFO-EVENTS-LOST", 20);
    }

    ParseResult parse(final Line line) {
        final String s = line.body;
        final String stream = line.context.source() == null ? "" : line.context.source();
        if (s.startsWith("#")) {
            if (s.startsWith("#Fields:")) {
                final List<String> columns = Arrays.asList(s.substring(8).strip().split("\\s+"));
                if (!columns.contains("src-ip") || !columns.contains("dst-ip") || !columns.contains("action")) {
                    return ParseResult.invalid(FORMAT, "#Fields: header without src-ip, dst-ip and action");
                }
                fields.put(stream, List.copyOf(columns));
                return ParseResult.skipped(FORMAT, "W3C #Fields: header (columns for the lines that follow)");
            }
            return ParseResult.skipped(FORMAT, "W3C directive");
        }
        final List<String> columns = fields.getOrDefault(stream, DEFAULT_FIELDS);
        final String[] values = Events.fields(s);
        if (values.length < Math.min(columns.size(), columns.indexOf("dst-port") + 1)) {
            return ParseResult.invalid(FORMAT, "line with " + values.length + " fields, " + columns.size() + " columns declared (truncated?)");
        }
        final String action = value(values, columns, "action");
        if (action == null) {
            return ParseResult.invalid(FORMAT, "line without an action column");
        }
        final FirewallAction normalised;
        switch (action) {
            case "ALLOW", "OPEN", "OPEN-INBOUND" -> normalised = FirewallAction.ALLOW;
            case "DROP" -> normalised = FirewallAction.DROP;
            case "CLOSE" -> {
                return ParseResult.skipped(FORMAT, "CLOSE: the connection counted when it opened");
            }
            case "INFO-EVENTS-LOST" -> {
                return ParseResult.skipped(FORMAT, "INFO-EVENTS-LOST: the firewall lost events (count in the info column)");
            }
            default -> {
                return ParseResult.invalid(FORMAT, "action " + Events.quote(action) + " is not ALLOW, DROP, OPEN, CLOSE or INFO-EVENTS-LOST");
            }
        }
        final String src = IpText.canonical(value(values, columns, "src-ip"));
        final String dst = IpText.canonical(value(values, columns, "dst-ip"));
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, "src-ip " + Events.quote(value(values, columns, "src-ip")) + " or dst-ip "
                    + Events.quote(value(values, columns, "dst-ip")) + " is not an IP address");
        }
        final String protoText = value(values, columns, "protocol");
        final String protocol = protoText == null || protoText.equals("-") ? null : Events.protocol(protoText, 0, protoText.length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "protocol " + Events.quote(protoText) + " is not a protocol");
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(protocol)) {
            final int a = Events.port(value(values, columns, "src-port"));
            final int b = Events.port(value(values, columns, "dst-port"));
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "src-port " + Events.quote(value(values, columns, "src-port")) + " / dst-port "
                        + Events.quote(value(values, columns, "dst-port")) + " are not 0..65535");
            }
            sp = a;
            dp = b;
        }
        final String date = value(values, columns, "date");
        final String clock = value(values, columns, "time");
        long time = Times.MISSING;
        if (date != null && clock != null) {
            if (!Times.rfc3339(date + "T" + clock, 0, config.zone(), parsed)) {
                return ParseResult.invalid(FORMAT, "date " + Events.quote(date) + " time " + Events.quote(clock) + " is not a valid time");
            }
            time = parsed.epochMs;
        }
        final String path = value(values, columns, "path");
        final String direction = "RECEIVE".equals(path) ? "IN" : "SEND".equals(path) ? "OUT" : "FORWARD".equals(path) ? "FORWARD" : null;
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, action, protocol, src, sp, dst, dp,
                direction, null, null));
    }

    private static String value(final String[] values, final List<String> columns, final String name) {
        final int i = columns.indexOf(name);
        return i >= 0 && i < values.length ? values[i] : null;
    }
}
