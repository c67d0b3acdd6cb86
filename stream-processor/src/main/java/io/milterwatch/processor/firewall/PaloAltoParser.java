package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.schema.FirewallAction;

/**
 * PAN-OS syslog CSV. Only {@code TRAFFIC} lines are connection events; the field positions are
 * those PAN-OS publishes for TRAFFIC (8.1 through 11.x keep the first 31 in place): receive time 1,
 * serial 2, type 3, subtype 4, source 7, destination 8, rule 11, zones 16/17, ports 24/25, protocol
 * 29, action 30. The receive time has no zone: the configured one applies.
 *
 * <p>The JSON form (Strata Logging Service / Cortex Data Lake forwarding, Panorama HTTP profiles):
 * the same TRAFFIC fields by name, {@code LogType}/{@code log_type}/{@code type},
 * {@code SourceAddress}/{@code source_ip}/{@code src}, {@code DestinationPort}/{@code dest_port}/{@code dport}...
 * The CEF and LEEF forms are read by {@link CefParser} and {@link LeefParser}.
 */
final class PaloAltoParser {

    static final String FORMAT = "paloalto";
    private static final int ACTION = 30;

    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();
    private final VendorTime vendorTime = new VendorTime();

    PaloAltoParser(final FirewallParserConfig config) {
        this.config = config;
    }

    private static final List<String> TYPES = List.of("TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "GLOBALPROTECT", "USERID", "HIPMATCH",
            "AUTHENTICATION", "DECRYPTION", "CORRELATION", "TUNNEL", "GTP", "SCTP", "IPTAG", "AUDIT");

    /**
     * "FUTURE_USE,RECEIVE_TIME,SERIAL,TYPE,...", the receive time as {@code yyyy/MM/dd HH:mm:ss} or RFC 3339
     * (high-resolution timestamps, PAN-OS 10+); also without the leading FUTURE_USE field, as some
     * forwarders and exports write it ("RECEIVE_TIME,SERIAL,TYPE,...").
     */
    static boolean matches(final String s) {
        final int c1 = s.indexOf(',');
        if (c1 < 0 || c1 > 40) {
            return false;
        }
        final int time;
        if (isTime(s, 0)) {
            time = 0;
        } else if (c1 <= 12 && isTime(s, c1 + 1)) {
            time = c1 + 1;
        } else {
            return false;
        }
        final int c2 = s.indexOf(',', time);
        final int c3 = c2 < 0 ? -1 : s.indexOf(',', c2 + 1);
        if (c3 < 0) {
            return false;
        }
        final int c4 = s.indexOf(',', c3 + 1);
        return isType(s, c3 + 1, c4 < 0 ? s.length() : c4);
    }

    /** True when {@code s[from..to)} is one of {@link #TYPES}; compares in place (this runs for every line detection reaches it with). */
    private static boolean isType(final String s, final int from, final int to) {
        for (final String type : TYPES) {
            if (type.length() == to - from && s.startsWith(type, from)) {
                return true;
            }
        }
        return false;
    }

    /** yyyy/MM/dd HH:mm:ss or yyyy-MM-ddTHH:mm:ss at i. */
    private static boolean isTime(final String s, final int i) {
        if (i + 19 > s.length() || Times.digits(s, i, 4) < 0) {
            return false;
        }
        final char sep = s.charAt(i + 4);
        return (sep == '/' && s.charAt(i + 7) == '/' && s.charAt(i + 10) == ' '
                || sep == '-' && s.charAt(i + 7) == '-' && (s.charAt(i + 10) == 'T' || s.charAt(i + 10) == ' '))
                && s.charAt(i + 13) == ':' && s.charAt(i + 16) == ':';
    }

    ParseResult parse(final Line line) {
        final List<String> f = csv(line.body);
        if (isTime(line.body, 0)) {
            f.add(0, ""); // no FUTURE_USE field: the documented positions count it
        }
        final String type = f.size() > 3 ? f.get(3) : "";
        if (!type.equals("TRAFFIC")) {
            return ParseResult.skipped(FORMAT, "PAN-OS " + Events.quote(type) + " log is not a connection event");
        }
        if (f.size() <= ACTION) {
            return ParseResult.invalid(FORMAT, "PAN-OS TRAFFIC line with " + f.size() + " fields, at least " + (ACTION + 1)
                    + " expected (truncated?)");
        }
        final String src = IpText.canonical(f.get(7));
        final String dst = IpText.canonical(f.get(8));
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, "source " + Events.quote(f.get(7)) + " or destination " + Events.quote(f.get(8))
                    + " is not an IP address");
        }
        final String protocol = f.get(29).isEmpty() ? null : Events.protocol(f.get(29), 0, f.get(29).length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "protocol " + Events.quote(f.get(29)) + " is not a protocol");
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(protocol)) {
            final int a = Events.port(f.get(24));
            final int b = Events.port(f.get(25));
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "ports " + Events.quote(f.get(24)) + " / " + Events.quote(f.get(25))
                        + " are not 0..65535");
            }
            sp = a;
            dp = b;
        }
        final String action = f.get(ACTION);
        final FirewallAction normalised;
        if (action.equals("allow")) {
            normalised = FirewallAction.ALLOW;
        } else if (action.startsWith("reset-")) {
            normalised = FirewallAction.REJECT;
        } else if (action.equals("deny") || action.startsWith("drop") || action.equals("block-url")) {
            normalised = FirewallAction.DROP;
        } else {
            normalised = FirewallAction.UNKNOWN;
        }
        final String received = f.get(1);
        final String iso = received.indexOf('/') >= 0 ? received.replace('/', '-') : received;
        long time = Times.MISSING;
        if (Times.rfc3339(iso, 0, config.zone(), parsed)) {
            time = parsed.epochMs;
        }
        final String device = line.host != null ? null : f.get(2).isEmpty() ? null : f.get(2);
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, action, protocol, src, sp, dst, dp,
                null, device, f.get(11).isEmpty() ? null : f.get(11)));
    }

    /** True when a JSON record names a PAN-OS log type and a source address. */
    static boolean matchesJson(final JsonNode root) {
        return root != null && root.isObject() && text(root, "LogType", "log_type", "type", "Type") != null
                && text(root, "SourceAddress", "source_ip", "src", "SourceIP", "src_ip") != null;
    }

    ParseResult json(final JsonNode root, final Line line) {
        final String type = text(root, "LogType", "log_type", "type", "Type");
        if (!type.equalsIgnoreCase("TRAFFIC")) {
            return ParseResult.skipped(FORMAT, "PAN-OS " + Events.quote(type) + " log is not a connection event");
        }
        final String action = text(root, "Action", "action");
        final FirewallAction normalised = Connections.action(action);
        long time = Times.MISSING;
        final String t = text(root, "TimeReceived", "time_received", "receive_time", "TimeGenerated", "time_generated", "EventTime");
        if (t != null) {
            time = vendorTime.parse(t, config.zone(), line.context.ingestTimeMs());
        }
        final String device = text(root, "DeviceName", "device_name", "DeviceSN", "device_sn", "serial");
        return Connections.build(line, config.maxLineChars(), FORMAT, time,
                text(root, "SourceAddress", "source_ip", "src", "SourceIP", "src_ip"),
                text(root, "DestinationAddress", "dest_ip", "dst", "DestinationIP", "dst_ip"),
                text(root, "SourcePort", "source_port", "sport", "src_port"),
                text(root, "DestinationPort", "dest_port", "dport", "dst_port"),
                text(root, "Protocol", "protocol", "proto"), normalised == null ? FirewallAction.UNKNOWN : normalised, action, null,
                line.host != null ? null : device, text(root, "Rule", "rule_matched", "rule", "RuleName"));
    }

    private static String text(final JsonNode root, final String... names) {
        for (final String n : names) {
            final JsonNode v = root.get(n);
            if (v != null && (v.isTextual() || v.isNumber()) && !v.asText().isEmpty()) {
                return v.asText();
            }
        }
        return null;
    }

    /** CSV with double-quoted fields (PAN-OS quotes fields that contain commas). */
    static List<String> csv(final String s) {
        final List<String> out = new ArrayList<>(48);
        if (s.indexOf('"') < 0) {
            // no quotes (most lines): every field is the text between two commas, taken without a copy through a builder
            int start = 0;
            for (int comma = s.indexOf(','); comma >= 0; comma = s.indexOf(',', start)) {
                out.add(s.substring(start, comma));
                start = comma + 1;
            }
            out.add(s.substring(start));
            return out;
        }
        final StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        b.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    b.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString());
        return out;
    }
}
