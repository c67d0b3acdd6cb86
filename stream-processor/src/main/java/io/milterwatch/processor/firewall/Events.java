package io.milterwatch.processor.firewall;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;

/** Builds the normalised event, applying the precedence rules every format shares. */
final class Events {

    private Events() {
    }

    /**
     * @param timeMs the line's own time, or {@link Times#MISSING}: then the syslog header's, then
     *               the envelope's, then the ingest time
     * @param device the line's own device, or null: then the header's or envelope's host, then the hint
     */
    static FirewallEvent event(final Line line, final int maxLineChars, final String format, final long timeMs,
            final FirewallAction action, final String rawAction, final String protocol, final String srcIp, final Integer srcPort,
            final String dstIp, final Integer dstPort, final String direction, final String device, final String rule) {
        final long time = timeMs != Times.MISSING ? timeMs
                : line.headerTimeMs != Times.MISSING ? line.headerTimeMs : line.context.ingestTimeMs();
        final String dev = device != null ? device : line.host != null ? line.host : line.context.deviceHint();
        final String original = line.original.length() <= maxLineChars ? line.original : line.original.substring(0, maxLineChars);
        return new FirewallEvent(time, action, rawAction, protocol, srcIp, srcPort, dstIp, dstPort, direction, dev, rule, format,
                original);
    }

    /** The IANA protocol name for a number, in lower case (the FirewallEvent convention). */
    static String protocolName(final int number) {
        return switch (number) {
            case 0 -> "hopopt";
            case 1 -> "icmp";
            case 2 -> "igmp";
            case 4 -> "ipip";
            case 6 -> "tcp";
            case 17 -> "udp";
            case 41 -> "ipv6";
            case 47 -> "gre";
            case 50 -> "esp";
            case 51 -> "ah";
            case 58 -> "icmpv6";
            case 89 -> "ospf";
            case 103 -> "pim";
            case 112 -> "vrrp";
            case 132 -> "sctp";
            case 136 -> "udplite";
            default -> Integer.toString(number);
        };
    }

    /** Protocol name in lower case; common names without allocating. */
    static String protocol(final String s, final int from, final int to) {
        final int len = to - from;
        if (len == 3 && s.regionMatches(true, from, "tcp", 0, 3)) {
            return "tcp";
        }
        if (len == 3 && s.regionMatches(true, from, "udp", 0, 3)) {
            return "udp";
        }
        if (len == 4 && s.regionMatches(true, from, "icmp", 0, 4)) {
            return "icmp";
        }
        if (len == 6 && s.regionMatches(true, from, "icmpv6", 0, 6)) {
            return "icmpv6";
        }
        boolean numeric = len > 0 && len <= 3;
        int n = 0;
        for (int i = from; i < to && numeric; i++) {
            final char c = s.charAt(i);
            numeric = c >= '0' && c <= '9';
            n = n * 10 + (c - '0');
        }
        if (numeric) {
            return n <= 255 ? protocolName(n) : null;
        }
        return s.substring(from, to).toLowerCase(java.util.Locale.ROOT);
    }

    static boolean hasPorts(final String protocol) {
        return switch (protocol) {
            case "tcp", "udp", "sctp", "udplite", "dccp" -> true;
            default -> false;
        };
    }

    /** Port in s[from, to): 0..65535, else -1. */
    static int port(final String s, final int from, final int to) {
        if (from >= to || to - from > 5) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 65_535 ? v : -1;
    }

    static int port(final String s) {
        return s == null ? -1 : port(s, 0, s.length());
    }

    /** Text for a reason: bounded, so a hostile line cannot make its reason huge. */
    static String quote(final String s, final int from, final int to) {
        final int end = Math.min(to, from + 80);
        return "'" + s.substring(from, end) + (end < to ? "...'" : "'");
    }

    static String quote(final String s) {
        return s == null ? "null" : quote(s, 0, s.length());
    }

    /**
     * The line split at runs of spaces, as {@code s.split(" +")} splits it (a leading empty field when the line starts
     * with a space, no trailing empty fields), without compiling that regex for every line.
     */
    static String[] fields(final String s) {
        if (s.indexOf(' ') < 0) {
            return new String[] {s};
        }
        final java.util.List<String> out = new java.util.ArrayList<>(20);
        int start = 0;
        int space = s.indexOf(' ');
        while (space >= 0) {
            out.add(s.substring(start, space));
            start = space + 1;
            while (start < s.length() && s.charAt(start) == ' ') {
                start++;
            }
            space = s.indexOf(' ', start);
        }
        out.add(s.substring(start));
        int size = out.size();
        while (size > 0 && out.get(size - 1).isEmpty()) {
            size--;
        }
        return out.subList(0, size).toArray(new String[0]);
    }
}
