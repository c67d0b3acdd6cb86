package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import io.milterwatch.schema.FirewallAction;

/**
 * pfSense / OPNsense {@code filterlog}: CSV with a fixed head (rule, sub-rule, anchor, tracker,
 * interface, reason, action, direction, IP version) followed by the IPv4 or IPv6 layout, then the
 * protocol's own fields (ports for TCP, UDP and SCTP).
 */
final class FilterlogParser {

    static final String FORMAT = "pfsense";
    private static final int MAX_FIELDS = 40;

    private final FirewallParserConfig config;
    private final int[] starts = new int[MAX_FIELDS];
    private final int[] ends = new int[MAX_FIELDS];

    FilterlogParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** Index of the CSV in a body that begins with "filterlog[pid]: " or "filterlog: ", else -1. */
    static int csvStart(final String s) {
        if (!s.startsWith("filterlog")) {
            return -1;
        }
        final int colon = s.indexOf(": ");
        return colon > 0 && colon < 24 ? colon + 2 : -1;
    }

    /**
     * True when the body is a filterlog CSV without its tag (a relay that kept only the message, a file of
     * bare lines): a rule number, three more head fields, an interface, then reason, action, direction and
     * IP version in their documented places.
     */
    static boolean bareCsv(final String s) {
        if (s.isEmpty() || s.charAt(0) < '0' || s.charAt(0) > '9') {
            return false;
        }
        // Detection asks this of every line that starts with a digit (Windows Firewall, VPC flow records,
        // PAN-OS CSV): jump from comma to comma (indexOf) rather than test every character.
        int start = 0;
        for (int field = 0; field <= 8; field++) {
            final int i = s.indexOf(',', start);
            if (i < 0) {
                return false; // fewer than ten fields: the ninth must end with a comma
            }
            switch (field) {
                case 0 -> {
                    for (int k = start; k < i; k++) {
                        if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                            return false;
                        }
                    }
                }
                case 4 -> {
                    if (i == start) {
                        return false;
                    }
                }
                case 6 -> {
                    if (!(s.startsWith("pass", start) || s.startsWith("block", start) || s.startsWith("reject", start)
                            || s.startsWith("match", start) || s.startsWith("scrub", start) || s.startsWith("nat", start)
                            || s.startsWith("rdr", start) || s.startsWith("binat", start))) {
                        return false;
                    }
                }
                case 7 -> {
                    if (!(i - start == 2 && s.startsWith("in", start) || i - start == 3 && s.startsWith("out", start))) {
                        return false;
                    }
                }
                case 8 -> {
                    return i - start == 1 && (s.charAt(start) == '4' || s.charAt(start) == '6');
                }
                default -> {
                    // rule details, reason: free text
                }
            }
            start = i + 1;
        }
        return false;
    }

    ParseResult parse(final Line line, final int from) {
        final String s = line.body;
        int count = 0;
        int p = from;
        while (count < MAX_FIELDS) {
            int e = s.indexOf(',', p);
            if (e < 0) {
                e = s.length();
            }
            starts[count] = p;
            ends[count] = e;
            count++;
            if (e == s.length()) {
                break;
            }
            p = e + 1;
        }
        if (count < 9) {
            return ParseResult.invalid(FORMAT, "filterlog line with " + count + " fields, at least 9 expected (truncated?)");
        }
        final String version = field(s, 8);
        final boolean v6;
        if ("4".equals(version)) {
            v6 = false;
        } else if ("6".equals(version)) {
            v6 = true;
        } else {
            return ParseResult.invalid(FORMAT, "IP version " + Events.quote(version) + " is not 4 or 6");
        }
        final int protoIdIndex = v6 ? 13 : 15;
        final int protoNameIndex = v6 ? 12 : 16;
        final int srcIndex = v6 ? 15 : 18;
        final int needed = srcIndex + 2;
        if (count < needed) {
            return ParseResult.invalid(FORMAT, "IPv" + version + " filterlog line with " + count + " fields, at least " + needed
                    + " expected (truncated?)");
        }
        final String src = IpText.canonical(s, starts[srcIndex], ends[srcIndex]);
        final String dst = IpText.canonical(s, starts[srcIndex + 1], ends[srcIndex + 1]);
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, "source " + Events.quote(field(s, srcIndex)) + " or destination "
                    + Events.quote(field(s, srcIndex + 1)) + " is not an IP address");
        }
        String protocol = Events.protocol(s, starts[protoIdIndex], ends[protoIdIndex]);
        if (protocol == null || starts[protoIdIndex] == ends[protoIdIndex]) {
            protocol = starts[protoNameIndex] == ends[protoNameIndex] ? null
                    : Events.protocol(s, starts[protoNameIndex], ends[protoNameIndex]);
        }
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "no protocol in " + Events.quote(field(s, protoIdIndex)) + " / "
                    + Events.quote(field(s, protoNameIndex)));
        }
        Integer srcPort = null;
        Integer dstPort = null;
        if (Events.hasPorts(protocol)) {
            if (count < needed + 2) {
                return ParseResult.invalid(FORMAT, protocol + " filterlog line without ports (truncated?)");
            }
            final int sp = Events.port(s, starts[needed], ends[needed]);
            final int dp = Events.port(s, starts[needed + 1], ends[needed + 1]);
            if (sp < 0 || dp < 0) {
                return ParseResult.invalid(FORMAT, "ports " + Events.quote(field(s, needed)) + " / " + Events.quote(field(s, needed + 1))
                        + " are not 0..65535");
            }
            srcPort = sp;
            dstPort = dp;
        }
        final String action = field(s, 6);
        final FirewallAction normalised = switch (action) {
            case "pass" -> FirewallAction.ALLOW;
            case "block" -> FirewallAction.DROP;
            case "reject" -> FirewallAction.REJECT;
            default -> FirewallAction.UNKNOWN;
        };
        final String dir = field(s, 7);
        final String direction = "in".equals(dir) ? "IN" : "out".equals(dir) ? "OUT" : null;
        // The tracker (pfSense) or label (OPNsense) identifies the rule across reloads; the number is positional.
        // OPNsense writes the label "0" when the system could not return the labels.
        final String tracker = field(s, 3);
        final String rule = tracker.isEmpty() || "0".equals(tracker) ? field(s, 0) : tracker;
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, Times.MISSING, normalised, action, protocol, src,
                srcPort, dst, dstPort, direction, null, rule.isEmpty() ? null : rule));
    }

    private String field(final String s, final int i) {
        return s.substring(starts[i], ends[i]);
    }
}
