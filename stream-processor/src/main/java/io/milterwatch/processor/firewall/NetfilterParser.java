package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;

/**
 * Linux netfilter {@code LOG} / NFLOG lines (iptables, nftables, ufw, firewalld, hand-written
 * prefixes; also Proxmox pve-firewall's log): {@code <prefix>IN= OUT= ... SRC= DST= ... PROTO= SPT= DPT=}.
 *
 * <p>The line has no action field: the decision is read from the admin-chosen prefix through
 * {@link PrefixRules}. Only the first occurrence of a key counts (LEN= repeats on UDP) and scanning
 * stops at the bracketed original packet that ICMP errors quote, so its fields never replace the
 * outer ones. Hand-rolled scanning, no regex: this is the hot path.
 */
final class NetfilterParser {

    static final String FORMAT = "netfilter";

    private final PrefixRules rules;
    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();

    NetfilterParser(final FirewallParserConfig config, final PrefixRules rules) {
        this.config = config;
        this.rules = rules;
    }

    /** Where the netfilter fields begin ("IN="), or -1 when the body is not a netfilter line. */
    static int fieldsStart(final String s) {
        final int in = s.indexOf("IN=");
        if (in < 0) {
            return -1;
        }
        // "PHYSIN=" is not "IN=": the first real IN= precedes it.
        if (in >= 4 && s.startsWith("PHYS", in - 4)) {
            return -1;
        }
        return in;
    }

    ParseResult parse(final Line line) {
        final String s = line.body;
        final int in = fieldsStart(s);
        if (in < 0) {
            return ParseResult.invalid(FORMAT, "netfilter line without IN= field");
        }
        long time = Times.MISSING;
        int prefixStart = 0;
        // dmesg / kernel uptime "[ 1234.567890] " or dmesg -T "[Tue Mar  5 14:22:11 2024] ": not part of the prefix.
        if (s.length() > 0 && s.charAt(0) == '[') {
            final int close = s.indexOf(']');
            if (close > 0 && close < in && uptime(s, 1, close)) {
                prefixStart = close + 1;
            } else if (close == 25 && close < in && dmesgClock(s)) {
                time = parsed.epochMs;
                prefixStart = close + 1;
            }
        }
        // Proxmox pve-firewall: "VMID LEVEL CHAIN dd/Mon/yyyy:HH:mm:ss +zzzz PREFIX: IN=..."
        final int pve = proxmox(s, prefixStart, in);
        if (pve > 0) {
            time = parsed.epochMs;
            prefixStart = pve;
        }
        final String prefix = prefix(s, prefixStart, in);

        int inS = -1;
        int inE = -1;
        int outS = -1;
        int outE = -1;
        int srcS = -1;
        int srcE = -1;
        int dstS = -1;
        int dstE = -1;
        int protoS = -1;
        int protoE = -1;
        int sptS = -1;
        int sptE = -1;
        int dptS = -1;
        int dptE = -1;
        boolean window = false;
        boolean secondLen = false;
        boolean fragment = false;
        boolean incomplete = false;
        final int n = s.length();
        int p = in;
        while (p < n) {
            final char first = s.charAt(p);
            if (first == ' ') {
                p++;
                continue;
            }
            if (first == '[') {
                if (s.startsWith("[INCOMPLETE", p) || (p >= 11 && s.startsWith("INCOMPLETE ", p - 11))) {
                    incomplete = true;
                }
                break; // the quoted original packet of an ICMP error
            }
            int end = p;
            int eq = -1;
            while (end < n && s.charAt(end) != ' ') {
                if (eq < 0 && s.charAt(end) == '=') {
                    eq = end;
                }
                end++;
            }
            if (eq > 0) {
                final int klen = eq - p;
                final int vs = eq + 1;
                if (klen == 2 && first == 'I' && s.charAt(p + 1) == 'N') {
                    if (inS < 0) {
                        inS = vs;
                        inE = end;
                    }
                } else if (klen == 3) {
                    final char b = s.charAt(p + 1);
                    final char c = s.charAt(p + 2);
                    if (first == 'O' && b == 'U' && c == 'T') {
                        if (outS < 0) {
                            outS = vs;
                            outE = end;
                        }
                    } else if (first == 'S' && b == 'R' && c == 'C') {
                        if (srcS < 0) {
                            srcS = vs;
                            srcE = end;
                        }
                    } else if (first == 'D' && b == 'S' && c == 'T') {
                        if (dstS < 0) {
                            dstS = vs;
                            dstE = end;
                        }
                    } else if (first == 'S' && b == 'P' && c == 'T') {
                        if (sptS < 0) {
                            sptS = vs;
                            sptE = end;
                        }
                    } else if (first == 'D' && b == 'P' && c == 'T') {
                        if (dptS < 0) {
                            dptS = vs;
                            dptE = end;
                        }
                    } else if (first == 'L' && b == 'E' && c == 'N' && dptS >= 0) {
                        secondLen = true;
                    }
                } else if (klen == 5 && first == 'P' && s.startsWith("PROTO", p)) {
                    if (protoS < 0) {
                        protoS = vs;
                        protoE = end;
                    }
                } else if (klen == 6 && first == 'W' && s.startsWith("WINDOW", p)) {
                    window = true;
                }
            } else if (end - p >= 4 && first == 'F' && s.startsWith("FRAG:", p)) {
                fragment = true;
            } else if (end - p == 10 && first == 'I' && s.startsWith("INCOMPLETE", p)) {
                incomplete = true;
            }
            p = end;
        }
        if (srcS < 0 && dstS < 0 && s.indexOf(" ARP HTYPE=", in) > 0) {
            return ParseResult.skipped(FORMAT, "ARP packet: not an IP connection");
        }
        if (srcS < 0 || dstS < 0) {
            return ParseResult.invalid(FORMAT, "netfilter line without SRC= and DST= (truncated or a fragment of a wrapped line)");
        }
        final String src = IpText.canonical(s, srcS, srcE);
        if (src == null) {
            return ParseResult.invalid(FORMAT, "SRC=" + Events.quote(s, srcS, srcE) + " is not an IP address");
        }
        final String dst = IpText.canonical(s, dstS, dstE);
        if (dst == null) {
            return ParseResult.invalid(FORMAT, "DST=" + Events.quote(s, dstS, dstE) + " is not an IP address");
        }
        if (protoS < 0) {
            return ParseResult.invalid(FORMAT, "netfilter line without PROTO= (truncated?)");
        }
        final String protocol = Events.protocol(s, protoS, protoE);
        if (protocol == null || protoS == protoE) {
            return ParseResult.invalid(FORMAT, "PROTO=" + Events.quote(s, protoS, protoE) + " is not a protocol");
        }
        Integer srcPort = null;
        Integer dstPort = null;
        String cut = null;
        if (Events.hasPorts(protocol)) {
            if (sptS < 0 || dptS < 0) {
                if (fragment) {
                    return ParseResult.skipped(FORMAT, "non-first IP fragment: no ports, not a connection attempt");
                }
                if (incomplete) {
                    return ParseResult.skipped(FORMAT, "the kernel logged an INCOMPLETE transport header: no ports");
                }
                return ParseResult.invalid(FORMAT, "PROTO=" + protocol + " line without SPT=/DPT= (truncated?)");
            }
            final int sp = Events.port(s, sptS, sptE);
            final int dp = Events.port(s, dptS, dptE);
            if (sp < 0 || dp < 0) {
                return ParseResult.invalid(FORMAT, "port SPT=" + Events.quote(s, sptS, sptE) + " DPT=" + Events.quote(s, dptS, dptE)
                        + " is not 0..65535");
            }
            // The kernel writes WINDOW= on every TCP line and a second LEN= on every UDP line: a line
            // without them was cut short (syslog's line limit). It still names its connection when DPT='s
            // value is whole, i.e. more text follows it; a line that ends inside DPT= may have lost digits.
            if ("tcp".equals(protocol) && !window || "udp".equals(protocol) && !secondLen) {
                final String what = "tcp".equals(protocol) ? "TCP line ends before WINDOW=" : "UDP line ends before its LEN=";
                if (dptE >= n) {
                    return ParseResult.invalid(FORMAT, what + " and at DPT=" + Events.quote(s, dptS, dptE)
                            + ", which may be cut (truncated)");
                }
                cut = "truncated: " + what + "; SRC, DST, PROTO, SPT and DPT are whole";
            }
            srcPort = sp;
            dstPort = dp;
        }
        final boolean hasIn = inS >= 0 && inE > inS;
        final boolean hasOut = outS >= 0 && outE > outS;
        final String direction = hasIn && hasOut ? "FORWARD" : hasIn ? "IN" : hasOut ? "OUT" : null;
        final PrefixRules.Meaning meaning = rules.meaning(prefix);
        if (meaning == PrefixRules.Meaning.AUDIT) {
            // ufw logs an audited packet again with its decision ([UFW ALLOW] / [UFW BLOCK]): that
            // line is the event, so the pair counts once.
            return ParseResult.skipped(FORMAT, "ufw AUDIT line: the packet's decision is its own line");
        }
        final String raw = prefix.isEmpty() ? null : prefix;
        // "DROP_INPUT: " names the rule "DROP_INPUT": the colon only separates it from IN=.
        final String rule = raw == null || raw.charAt(raw.length() - 1) != ':' ? raw
                : raw.length() == 1 ? null : raw.substring(0, raw.length() - 1);
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, PrefixRules.action(meaning), raw, protocol,
                src, srcPort, dst, dstPort, direction, null, rule), cut);
    }

    private static boolean uptime(final String s, final int from, final int to) {
        boolean digit = false;
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != '.' && c != ' ') {
                return false;
            }
        }
        return digit;
    }

    /** dmesg -T: "[Www Mmm dd HH:MM:SS yyyy]" in local time (the configured zone). */
    private boolean dmesgClock(final String s) {
        if (s.charAt(4) != ' ' || s.charAt(8) != ' ' || s.charAt(11) != ' ' || s.charAt(14) != ':' || s.charAt(17) != ':'
                || s.charAt(20) != ' ') {
            return false;
        }
        final int month = Times.month(s, 5);
        final int day = s.charAt(9) == ' ' ? Times.digits(s, 10, 1) : Times.digits(s, 9, 2);
        final int hour = Times.digits(s, 12, 2);
        final int minute = Times.digits(s, 15, 2);
        final int second = Times.digits(s, 18, 2);
        final int year = Times.digits(s, 21, 4);
        if (month == 0 || year < 0 || !Times.validDate(year, month, day) || !Times.validTime(hour, minute, second)) {
            return false;
        }
        parsed.epochMs = Times.epochMs(year, month, day, hour, minute, second, 0, config.zone());
        return true;
    }

    /** The prefix, trimmed of spaces, the trailing colon's space and firewalld's quotes; "" when none. */
    private static String prefix(final String s, final int from, final int to) {
        int a = from;
        int b = to;
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '"')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '"')) {
            b--;
        }
        return a == b ? "" : s.substring(a, b);
    }

    /** Index after a Proxmox "VMID LEVEL CHAIN dd/Mon/yyyy:HH:mm:ss +zzzz " head, or -1. */
    private int proxmox(final String s, final int from, final int limit) {
        int p = from;
        for (int field = 0; field < 2; field++) {
            final int start = p;
            while (p < limit && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                p++;
            }
            if (p == start || p >= limit || s.charAt(p) != ' ') {
                return -1;
            }
            p++;
        }
        while (p < limit && s.charAt(p) != ' ') {
            p++;
        }
        p++;
        // dd/Mon/yyyy:HH:mm:ss +zzzz
        if (p + 26 > limit || s.charAt(p + 2) != '/' || s.charAt(p + 6) != '/' || s.charAt(p + 11) != ':'
                || s.charAt(p + 20) != ' ') {
            return -1;
        }
        final int day = Times.digits(s, p, 2);
        final int month = Times.month(s, p + 3);
        final int year = Times.digits(s, p + 7, 4);
        final int hour = Times.digits(s, p + 12, 2);
        final int minute = Times.digits(s, p + 15, 2);
        final int second = Times.digits(s, p + 18, 2);
        final char sign = s.charAt(p + 21);
        final int oh = Times.digits(s, p + 22, 2);
        final int om = Times.digits(s, p + 24, 2);
        if (month == 0 || year < 0 || !Times.validDate(year, month, day) || !Times.validTime(hour, minute, second)
                || (sign != '+' && sign != '-') || oh < 0 || om < 0) {
            return -1;
        }
        final long offsetMs = (oh * 3600L + om * 60L) * 1000L * (sign == '-' ? -1 : 1);
        parsed.epochMs = Times.epochDay(year, month, day) * 86_400_000L + (hour * 3600L + minute * 60L + Math.min(second, 59)) * 1000L
                - offsetMs;
        return p + 26;
    }
}
