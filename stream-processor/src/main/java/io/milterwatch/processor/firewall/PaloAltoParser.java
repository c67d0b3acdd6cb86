package io.milterwatch.processor.firewall;

import java.util.ArrayList;
import java.util.List;

import io.milterwatch.schema.FirewallAction;

/**
 * PAN-OS syslog CSV. Only {@code TRAFFIC} lines are connection events; the field positions are
 * those PAN-OS publishes for TRAFFIC (8.1 through 11.x keep the first 31 in place): receive time 1,
 * serial 2, type 3, subtype 4, source 7, destination 8, rule 11, zones 16/17, ports 24/25, protocol
 * 29, action 30. The receive time has no zone: the configured one applies.
 */
final class PaloAltoParser {

    static final String FORMAT = "paloalto";
    private static final int ACTION = 30;

    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();

    PaloAltoParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** "FUTURE_USE,yyyy/MM/dd HH:mm:ss,SERIAL,TYPE,..." */
    static boolean matches(final String s) {
        final int c1 = s.indexOf(',');
        if (c1 < 0 || c1 > 12 || c1 + 20 > s.length()) {
            return false;
        }
        final int d = c1 + 1;
        if (s.charAt(d + 4) != '/' || s.charAt(d + 7) != '/' || s.charAt(d + 10) != ' ' || Times.digits(s, d, 4) < 0) {
            return false;
        }
        final int c3 = s.indexOf(',', s.indexOf(',', d) + 1);
        return c3 > 0 && (s.startsWith("TRAFFIC,", c3 + 1) || s.startsWith("THREAT,", c3 + 1) || s.startsWith("SYSTEM,", c3 + 1)
                || s.startsWith("CONFIG,", c3 + 1) || s.startsWith("GLOBALPROTECT,", c3 + 1) || s.startsWith("USERID,", c3 + 1)
                || s.startsWith("HIPMATCH,", c3 + 1) || s.startsWith("AUTHENTICATION,", c3 + 1) || s.startsWith("DECRYPTION,", c3 + 1)
                || s.startsWith("CORRELATION,", c3 + 1) || s.startsWith("TUNNEL,", c3 + 1) || s.startsWith("GTP,", c3 + 1)
                || s.startsWith("SCTP,", c3 + 1) || s.startsWith("IPTAG,", c3 + 1));
    }

    ParseResult parse(final Line line) {
        final List<String> f = csv(line.body);
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
        final String iso = received.replace('/', '-');
        long time = Times.MISSING;
        if (Times.rfc3339(iso, 0, config.zone(), parsed)) {
            time = parsed.epochMs;
        }
        final String device = line.host != null ? null : f.get(2).isEmpty() ? null : f.get(2);
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, action, protocol, src, sp, dst, dp,
                null, device, f.get(11).isEmpty() ? null : f.get(11)));
    }

    /** CSV with double-quoted fields (PAN-OS quotes fields that contain commas). */
    static List<String> csv(final String s) {
        final List<String> out = new ArrayList<>(48);
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
