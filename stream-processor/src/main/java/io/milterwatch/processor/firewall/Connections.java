package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.Locale;

import io.milterwatch.schema.FirewallAction;

/**
 * The rules the self-describing formats share (CEF, LEEF, PAN-OS JSON, Azure NSG): what a vendor's
 * action word means, and when a record is a connection event at all. A record is a connection
 * event when it names a source and a destination address and either a destination port or a
 * protocol that has no ports (ICMP...); anything else (an authentication, a system message) is
 * skipped, never guessed into a connection.
 */
final class Connections {

    private Connections() {
    }

    /**
     * The normalised action of a vendor's action word: allow/accept/permit/pass, deny/drop/block/
     * discard, reject/refuse/reset; null when the word says none of these.
     */
    static FirewallAction action(final String word) {
        if (word == null || word.isEmpty()) {
            return null;
        }
        final String w = word.strip().toLowerCase(Locale.ROOT);
        if (w.startsWith("allow") || w.startsWith("accept") || w.startsWith("permit") || w.equals("pass") || w.equals("passed")
                || w.equals("a") || w.equals("success") || w.equals("succeeded") || w.equals("open") || w.equals("opened")) {
            return FirewallAction.ALLOW;
        }
        if (w.startsWith("reject") || w.startsWith("refuse") || w.startsWith("reset") || w.startsWith("tcp-rst")) {
            return FirewallAction.REJECT;
        }
        if (w.startsWith("deny") || w.startsWith("denied") || w.startsWith("drop") || w.startsWith("block") || w.startsWith("discard")
                || w.equals("d") || w.equals("prevent") || w.equals("prevented") || w.startsWith("sinkhole")) {
            return FirewallAction.DROP;
        }
        return null;
    }

    /** The action a free-text event name implies (CEF's Name, "Connection_Discarded"), or null. */
    static FirewallAction actionInName(final String name) {
        if (name == null) {
            return null;
        }
        final String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("allow") || n.contains("accept") || n.contains("permit")) {
            return FirewallAction.ALLOW;
        }
        if (n.contains("reject") || n.contains("refuse") || n.contains("reset")) {
            return FirewallAction.REJECT;
        }
        if (n.contains("deny") || n.contains("denied") || n.contains("drop") || n.contains("block") || n.contains("discard")) {
            return FirewallAction.DROP;
        }
        return null;
    }

    /**
     * A connection event from named fields, or SKIPPED when the record is not a connection, or
     * INVALID when it claims to be one with impossible values. Null or empty fields are absent.
     */
    static ParseResult build(final Line line, final int maxLineChars, final String format, final long timeMs, final String srcText,
            final String dstText, final String sptText, final String dptText, final String protoText, final FirewallAction action,
            final String rawAction, final String direction, final String device, final String rule) {
        if (blank(srcText) || blank(dstText)) {
            return ParseResult.skipped(format, "no source and destination address: not a connection event");
        }
        String protocol = blank(protoText) ? null : Events.protocol(protoText.strip(), 0, protoText.strip().length());
        final boolean portless = protocol != null && !Events.hasPorts(protocol) && !protocol.equals("unknown") && !isDigits(protocol);
        if (blank(dptText) && !portless) {
            return ParseResult.skipped(format, "no destination port: not a connection event");
        }
        final String src = IpText.canonical(srcText.strip());
        final String dst = IpText.canonical(dstText.strip());
        if (src == null || dst == null) {
            return ParseResult.invalid(format, "source " + Events.quote(srcText) + " or destination " + Events.quote(dstText)
                    + " is not an IP address");
        }
        Integer sp = null;
        Integer dp = null;
        if (!portless) {
            final int b = Events.port(dptText.strip());
            if (b < 0) {
                return ParseResult.invalid(format, "destination port " + Events.quote(dptText) + " is not 0..65535");
            }
            dp = b;
            if (!blank(sptText)) {
                final int a = Events.port(sptText.strip());
                if (a < 0) {
                    return ParseResult.invalid(format, "source port " + Events.quote(sptText) + " is not 0..65535");
                }
                sp = a;
            }
        }
        if (protocol == null) {
            protocol = "unknown";
        }
        return ParseResult.event(Events.event(line, maxLineChars, format, timeMs, action == null ? FirewallAction.UNKNOWN : action,
                blank(rawAction) ? null : rawAction, protocol, src, sp, dst, dp, direction, blank(device) ? null : device,
                blank(rule) ? null : rule));
    }

    /** {@code a} unless it is {@link #blank}, else {@code b} unless blank, else null. */
    static String firstGiven(final String a, final String b) {
        return !blank(a) ? a : !blank(b) ? b : null;
    }

    static boolean blank(final String s) {
        return s == null || s.isBlank() || s.equals("-");
    }

    private static boolean isDigits(final String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
