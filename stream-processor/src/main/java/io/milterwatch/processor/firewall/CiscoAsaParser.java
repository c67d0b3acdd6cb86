package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.milterwatch.schema.FirewallAction;

/**
 * Cisco ASA / FTD / PIX connection and deny messages ({@code %ASA-<sev>-<id>: text}), by the
 * message texts Cisco documents: 106001, 106002, 106006/106007, 106010/106014/106023, 106015,
 * 106016/106017, 106018, 106021, 106100, 110002, 302013-302016, 302020, 302303/302304, 313004,
 * 313005, 710002/710003/710005/710006, and FTD's connection events 430002/430003 ({@code Key: value}
 * pairs). Requests whose decision comes in a later message, ICMP teardowns, cluster stubs and
 * everything else (VPN, system) are skipped.
 *
 * <p>A connection counts whether it was logged by its "built" message, its teardown (many
 * configurations switch "built" off) or both: those results carry the connection id, and the
 * stream counts one connection once per (device, id). A teardown does not say who opened the
 * connection (its order is the built message's: lower-security side first); the responder is taken
 * to be the side with the lower port, and the result says so in its note.
 *
 * <p>Endpoints are {@code iface:ip/port}, {@code ip/port}, {@code iface/ip(port)}, each optionally
 * followed by an identity in brackets (<code>(DOMAIN&#92;user)</code>, an FQDN); the port may be one of ASA's
 * literal names ({@code /ssh}, {@code /snmp}: {@link AsaPortNames}). A name instead of an address
 * (ASA "names") cannot be keyed and makes the line invalid.
 */
final class CiscoAsaParser {

    static final String FORMAT = "cisco-asa";

    private static final Pattern TAG = Pattern.compile("^%?(?:ASA|FTD|PIX|FWSM)-(?:session-)?(\\d)-(\\d{6})(?:: ?| )");
    private static final Pattern BARE_ID = Pattern.compile("^(\\d{6}): ");
    private static final String EP = "(\\S+)";
    private static final Pattern IN_DENIED = Pattern.compile("^Inbound (\\S+) connection denied from " + EP + " to " + EP);
    private static final Pattern DENY_FROM = Pattern.compile("^Deny (inbound|outbound) (\\S+) from " + EP + " to " + EP);
    private static final Pattern DENY_SRC = Pattern.compile(
            "^Deny (?:(inbound|outbound) )?(protocol \\d+|\\S+) src " + EP + "(?: \\([^)]*\\))? dst " + EP + "(?: \\([^)]*\\))?"
                    + "(?:,? \\(?type \\d+, code \\d+\\)?,?)?(?: by access-group \"([^\"]*)\")?");
    private static final Pattern DENY_NO_CONN = Pattern.compile("^Deny (\\S+) \\(no connection\\) from " + EP + " to " + EP);
    private static final Pattern DENY_SPOOF = Pattern.compile("^Deny IP (?:spoof|due to Land Attack) from \\(?([^) ]+)\\)? to " + EP);
    private static final Pattern DENY_RPF = Pattern.compile("^Deny (\\S+) reverse path check from " + EP + " to " + EP);
    private static final Pattern OUTBOUND_LIST = Pattern.compile("^(\\S+) Connection denied by outbound list (\\S+) src " + EP
            + " (?:dest|dst) " + EP);
    private static final Pattern ICMP_OUTBOUND_LIST = Pattern.compile("^ICMP packet type \\S+ denied by outbound list (\\S+) src "
            + EP + " dest " + EP);
    private static final Pattern ACCESS_LIST = Pattern.compile(
            "^access-list (\\S+) (permitted|denied|est-allowed) (\\S+) (?:for user (?:'[^']*'|\\S+) )?([^\\s(]+\\(\\d+\\))(?:\\([^)]*\\))* -> ([^\\s(]+\\(\\d+\\))(?:\\([^)]*\\))* ");
    private static final Pattern ACCESS_LIST_NO_PORTS = Pattern.compile(
            "^access-list (\\S+) (permitted|denied|est-allowed) (\\S+) (?:for user (?:'[^']*'|\\S+) )?([^\\s(]+)(?:\\([^)]*\\))* -> ([^\\s(]+)(?:\\([^)]*\\))* hit-cnt");
    private static final Pattern BUILT = Pattern.compile("^Built (inbound|outbound) (\\S+) connection (\\d+) for " + EP
            + " \\([^)]*\\)(?: ?\\([^)]*\\))* to " + EP);
    private static final Pattern BUILT_ICMP = Pattern.compile("^Built (inbound|outbound) (ICMP|ICMPv6) connection for faddr " + EP
            + " gaddr " + EP + " laddr " + EP);
    // The rest of a teardown is read by hand (teardown()): identities follow an endpoint in brackets, glued or
    // not, may contain spaces ("(LOCAL\\First Last)"), and old releases print a bare user name; a regex that
    // allows all that backtracks quadratically on a hostile line.
    private static final Pattern TEARDOWN = Pattern.compile("^Teardown (TCP|UDP|SCTP) connection (\\d{1,12}) for ");
    private static final Pattern DYNAMIC_FILTER = Pattern.compile("^Dynamic Filter (permitted|monitored|dropped) [a-z ]*?listed (\\S+) "
            + "traffic from " + EP + " \\([^)]*\\) to " + EP);
    private static final Pattern BYPASS = Pattern.compile("^(Built|Teardown) (TCP) state-bypass connection (\\d+) from " + EP + " to " + EP);
    // Packets and connections the device dropped, in the catalogue's words (a port may end in ';' or ',').
    private static final String EPX = "([^\\s;,]+)";
    private static final Pattern DROPPED = Pattern.compile("^(?:"
            + "(?<p1>TCP|UDP|SCTP) flow from " + EPX + " to " + EPX + " is dropped"                                       // 421001
            + "|PAT pool exhausted\\. Unable to create (?<p2>\\S+) connection from " + EPX + " to " + EPX            // 202010
            + "|(?:IPS|SFR) requested to drop (?<p3>\\S+) packet from " + EPX + " to " + EPX                          // 420002, 434002
            + "|Dropped (?<p4>\\S+) DNS (?:request|reply|query|response) from " + EPX + " to " + EPX                   // 410001
            + "|Through-the-device packet to/from management-only network is denied: (?<p5>\\S+) src " + EPX + " dst " + EPX // 418001
            + "|ESMTP Classification: Dropped connection for ESMTP Request from " + EPX + " to " + EPX                // 108004
            + "|Invalid transport field for protocol=(?<p7>\\S+), from " + EPX + " to " + EPX                         // 500004
            + "|Bad (?<p8>TCP|UDP) hdr length \\([^)]*\\) from " + EPX + " to " + EPX                                // 500003
            + "|(?<p9>TCP|UDP) connection limit exceeded from " + EPX + " to " + EPX                                    // 710004
            + "|Deny (?<p10>\\S+) connection spoof from " + EPX + " to " + EPX                                         // 106022
            + "|Deny IP teardrop fragment \\([^)]*\\) from " + EPX + " to " + EPX                                    // 106020
            + "|Shunned packet: " + EPX + " ==? " + EPX                                                                  // 401004
            + ")");
    private static final Pattern ICMP_INVALID_CODE = Pattern.compile("^Denied invalid ICMP code \\d+, for " + EP + " \\([^)]*\\) to " + EP);
    private static final Pattern ICMP_NO_SESSION = Pattern.compile("^Denied ICMP type=\\d+, from (?:laddr )?" + EP
            + " on interface \\S+ to " + EP);
    private static final Pattern ICMP_ERROR = Pattern.compile("^No matching connection for ICMP error message: (\\S+) src " + EP
            + " dst " + EP);
    private static final Pattern BOX_ACCESS = Pattern.compile("^(TCP|UDP) (access requested|access permitted|access denied by ACL|"
            + "request discarded) from " + EP + " to " + EP);
    private static final Pattern BOX_DISCARD = Pattern.compile("^(\\S+) request discarded from " + EP + " to " + EP);
    private static final Pattern NO_EGRESS = Pattern.compile("^Failed to locate egress interface for (\\S+) from " + EP + " to " + EP);

    private final FirewallParserConfig config;

    CiscoAsaParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** True when the body carries an ASA/FTD/PIX message tag. */
    static boolean tagged(final String s) {
        final int pct = s.indexOf('%');
        if (pct >= 0 && (s.startsWith("ASA-", pct + 1) || s.startsWith("FTD-", pct + 1) || s.startsWith("PIX-", pct + 1)
                || s.startsWith("FWSM-", pct + 1))) {
            return true;
        }
        return s.startsWith("ASA-") || s.startsWith("FTD-") || s.startsWith("PIX-") || bareId(s);
    }

    /**
     * {@link #BARE_ID} ("NNNNNN: " at the start) without a matcher: detection asks {@link #tagged} of every line
     * that reaches it, and a Matcher (with its group arrays) per line showed in the PAN-OS profile.
     */
    static boolean bareId(final String s) {
        if (s.length() < 8 || s.charAt(6) != ':' || s.charAt(7) != ' ') {
            return false;
        }
        for (int i = 0; i < 6; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** True for an ASA message text that lost its tag (as grok samples and some relays print it). */
    static boolean untaggedText(final String s) {
        return s.startsWith("Deny ") || s.startsWith("access-list ") || s.startsWith("Built inbound ")
                || s.startsWith("Built outbound ") || s.startsWith("Teardown ") || s.startsWith("Inbound ")
                || s.startsWith("No matching connection for ICMP");
    }

    ParseResult parse(final Line line) {
        String text = line.body;
        final int pct = text.indexOf('%');
        if (pct > 0 && pct < 64 && text.startsWith("ASA-", pct + 1) || pct > 0 && text.startsWith("FTD-", pct + 1)
                || pct > 0 && text.startsWith("PIX-", pct + 1)) {
            text = text.substring(pct);
        }
        String id = null;
        Matcher tag = TAG.matcher(text);
        if (tag.find()) {
            id = tag.group(2);
            text = text.substring(tag.end());
        } else {
            tag = BARE_ID.matcher(text);
            if (tag.find()) {
                id = tag.group(1);
                text = text.substring(tag.end());
            }
        }
        // "host: %ASA-..." parsed as a program name by the syslog header: it is the device.
        final String device = line.host == null && line.tag != null && line.body.startsWith("%") ? line.tag : null;
        return message(line, id, text, device);
    }

    private ParseResult message(final Line line, final String id, final String text, final String device) {
        if ("430002".equals(id) || "430003".equals(id)) {
            return ftdConnection(line, id, text, device);
        }
        Matcher m;
        // Each pattern below starts with literal text: test that first, so a line does not allocate a Matcher and
        // run a search for every pattern before its own (a Built line went through ten of them).
        final boolean deny = text.startsWith("Deny ");
        if (text.startsWith("Inbound ") && (m = IN_DENIED.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "denied", m.group(1), m.group(2), m.group(3), "IN", device, null);
        }
        if (deny && (m = DENY_FROM.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Deny", m.group(2), m.group(3), m.group(4), direction(m.group(1)), device, null);
        }
        if (deny && (m = DENY_NO_CONN.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Deny", m.group(1), m.group(2), m.group(3), null, device, null);
        }
        if (deny && (m = DENY_SPOOF.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Deny", "ip", m.group(1), m.group(2), null, device, null);
        }
        if (deny && (m = DENY_RPF.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Deny", m.group(1), m.group(2), m.group(3), null, device, null);
        }
        if (deny && (m = DENY_SRC.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Deny", m.group(2), m.group(3), m.group(4), direction(m.group(1)), device, m.group(5));
        }
        if (text.contains(" Connection denied by outbound list ") && (m = OUTBOUND_LIST.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "denied", m.group(1), m.group(3), m.group(4), "OUT", device, m.group(2));
        }
        if (text.startsWith("ICMP packet type ") && (m = ICMP_OUTBOUND_LIST.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "denied", "icmp", m.group(2), m.group(3), "OUT", device, m.group(1));
        }
        if (text.startsWith("access-list ")
                && ((m = ACCESS_LIST.matcher(text)).find() || (m = ACCESS_LIST_NO_PORTS.matcher(text)).find())) {
            final String verdict = m.group(2);
            final FirewallAction action = verdict.equals("denied") ? FirewallAction.DROP : FirewallAction.ALLOW;
            return event(line, action, verdict, m.group(3), m.group(4), m.group(5), null, device, m.group(1));
        }
        if (text.startsWith("Built ") && (m = BUILT_ICMP.matcher(text)).find()) {
            final boolean inbound = m.group(1).equals("inbound");
            return event(line, FirewallAction.ALLOW, "Built", m.group(2), inbound ? m.group(3) : m.group(5),
                    inbound ? m.group(5) : m.group(3), direction(m.group(1)), device, null);
        }
        if ((m = BUILT.matcher(text)).find()) {
            // Inbound: the "for" side (outside) opened it. Outbound: the "to" side (inside) did.
            final boolean inbound = m.group(1).equals("inbound");
            final ParseResult r = event(line, FirewallAction.ALLOW, "Built", m.group(2), inbound ? m.group(4) : m.group(5),
                    inbound ? m.group(5) : m.group(4), direction(m.group(1)), device, null);
            return withConnection(r, m.group(3), null);
        }
        if ((m = TEARDOWN.matcher(text)).find()) {
            final ParseResult r = teardown(line, m.group(1), m.group(2), text, m.end(), device);
            if (r != null) {
                return r;
            }
        }
        if ((m = BYPASS.matcher(text)).find()) {
            final ParseResult r = event(line, FirewallAction.ALLOW, m.group(1), m.group(2), m.group(4), m.group(5), null, device, null);
            return withConnection(r, m.group(3), null);
        }
        if ((m = DROPPED.matcher(text)).find()) {
            return dropped(line, m, device);
        }
        if ((m = DYNAMIC_FILTER.matcher(text)).find()) {
            // 338001-338008: the botnet traffic filter let a connection through (permitted, monitored) or dropped it.
            final FirewallAction action = m.group(1).equals("dropped") ? FirewallAction.DROP : FirewallAction.ALLOW;
            return event(line, action, "Dynamic Filter " + m.group(1), m.group(2), m.group(3), m.group(4), null, device, null);
        }
        if ((m = ICMP_INVALID_CODE.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Denied invalid ICMP code", "icmp", m.group(1), m.group(2), null, device, null);
        }
        if ((m = ICMP_NO_SESSION.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Denied", "icmp", m.group(1), m.group(2), null, device, null);
        }
        if ((m = ICMP_ERROR.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "No matching connection", m.group(1), m.group(2), m.group(3), null, device, null);
        }
        if ((m = BOX_ACCESS.matcher(text)).find()) {
            final String what = m.group(2);
            if (what.equals("access requested")) {
                return ParseResult.skipped(FORMAT, "ASA 710001 access request: its decision is a later message");
            }
            final FirewallAction action = what.equals("access permitted") ? FirewallAction.ALLOW : FirewallAction.DROP;
            return event(line, action, what, m.group(1), m.group(3), m.group(4), "IN", device, null);
        }
        if ((m = BOX_DISCARD.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "request discarded", m.group(1), m.group(2), m.group(3), "IN", device, null);
        }
        if ((m = NO_EGRESS.matcher(text)).find()) {
            return event(line, FirewallAction.DROP, "Failed to locate egress interface", m.group(1), m.group(2), m.group(3), null, device,
                    null);
        }
        if (id != null && (id.startsWith("106") || id.equals("302013") || id.equals("302014") || id.equals("302015")
                || id.equals("302016") || id.equals("302020"))) {
            return ParseResult.invalid(FORMAT, "ASA message " + id + " does not have its documented text: " + Events.quote(text));
        }
        if (text.startsWith("Teardown ")) {
            return ParseResult.skipped(FORMAT, "ASA teardown of an ICMP connection, translation, stub or local host: not counted");
        }
        if (id == null) {
            return ParseResult.invalid(FORMAT, "ASA message text without a known form: " + Events.quote(text));
        }
        return ParseResult.skipped(FORMAT, "ASA message " + id + " is not a connection event");
    }

    /** One of {@link #DROPPED}'s alternatives: the protocol group of the alternative that matched, then its two endpoints. */
    private ParseResult dropped(final Line line, final Matcher m, final String device) {
        String protocol = null;
        int first = -1;
        for (int g = 1; g <= m.groupCount(); g++) {
            if (m.group(g) != null) {
                first = g;
                break;
            }
        }
        for (final String name : new String[] {"p1", "p2", "p3", "p4", "p5", "p7", "p8", "p9", "p10"}) {
            if (m.group(name) != null) {
                protocol = m.group(name);
            }
        }
        final String text = m.group(0);
        if (protocol == null) {
            protocol = text.startsWith("ESMTP") ? "tcp" : "ip";
        } else {
            first++; // the protocol group precedes the endpoints
        }
        return event(line, FirewallAction.DROP, text.substring(0, Math.min(text.length(), text.indexOf(' ') < 0 ? text.length()
                : text.indexOf(' '))), protocol, m.group(first), m.group(first + 1), null, device, null);
    }

    /**
     * 302014/302016: {@code Teardown TCP connection id for iface:addr/port to iface:addr/port duration ...}, in the
     * built message's order (lower-security side first), which does not say who opened it.
     */
    private ParseResult teardown(final Line line, final String protocol, final String connection, final String text, final int from,
            final String device) {
        int end = text.indexOf(' ', from);
        final String first = text.substring(from, end < 0 ? text.length() : end);
        final int to = end < 0 ? -1 : text.indexOf(" to ", end);
        if (first.isEmpty() || to < 0) {
            return null;
        }
        end = text.indexOf(' ', to + 4);
        final String second = text.substring(to + 4, end < 0 ? text.length() : end);
        if (second.isEmpty() || end < 0 || text.indexOf(" duration ", end) < 0) {
            return null;
        }
        final Endpoint a = Endpoint.parse(first);
        final Endpoint b = Endpoint.parse(second);
        // Services listen on the lower port; an initiator's port is ephemeral. With equal or missing ports keep the order.
        final boolean swap = a.port != null && b.port != null && a.port < b.port;
        final ParseResult r = event(line, FirewallAction.ALLOW, "Teardown", protocol, swap ? second : first, swap ? first : second, null,
                device, null);
        return withConnection(r, connection, "teardown only: the responder is taken to be the side with the lower port");
    }

    private static ParseResult withConnection(final ParseResult r, final String connection, final String note) {
        if (r.status() != ParseStatus.EVENT) {
            return r;
        }
        return new ParseResult(ParseStatus.EVENT, r.format(), r.event(), note, connection);
    }

    /**
     * FTD 430002 (connection start) / 430003 (connection end): {@code Key: value} pairs separated by ", ".
     * Both describe one connection: its id is FTD's ConnectionID when the event carries it, else its five-tuple.
     */
    private ParseResult ftdConnection(final Line line, final String id, final String text, final String device) {
        final Map<String, String> kv = new HashMap<>();
        int p = 0;
        while (p < text.length()) {
            int end = text.indexOf(", ", p);
            if (end < 0) {
                end = text.length();
            }
            final int colon = text.indexOf(": ", p);
            if (colon > p && colon < end) {
                kv.putIfAbsent(text.substring(p, colon), text.substring(colon + 2, end).strip());
            }
            p = end + 2;
        }
        final String src = IpText.canonical(kv.get("SrcIP"));
        final String dst = IpText.canonical(kv.get("DstIP"));
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, "FTD " + id + " without a valid SrcIP " + Events.quote(kv.get("SrcIP")) + " / DstIP "
                    + Events.quote(kv.get("DstIP")));
        }
        final String protoText = kv.get("Protocol");
        final String protocol = protoText == null || protoText.isEmpty() ? null : Events.protocol(protoText, 0, protoText.length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "FTD " + id + " without a valid Protocol " + Events.quote(protoText));
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(protocol)) {
            final int a = Events.port(kv.get("SrcPort"));
            final int b = Events.port(kv.get("DstPort"));
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "FTD " + id + " " + protocol + " without valid SrcPort " + Events.quote(kv.get("SrcPort"))
                        + " / DstPort " + Events.quote(kv.get("DstPort")));
            }
            sp = a;
            dp = b;
        }
        final String raw = kv.get("AccessControlRuleAction");
        if (raw == null) {
            return ParseResult.invalid(FORMAT, "FTD " + id + " without AccessControlRuleAction");
        }
        // Firepower access control rule actions; Monitor only logs and lets later rules decide.
        final FirewallAction action = switch (raw.toLowerCase(Locale.ROOT)) {
            case "allow", "trust", "fastpath", "allow with warning" -> FirewallAction.ALLOW;
            case "block", "interactive block", "drop" -> FirewallAction.DROP;
            case "block with reset", "interactive block with reset", "reset" -> FirewallAction.REJECT;
            default -> FirewallAction.UNKNOWN;
        };
        final String rule = kv.get("AccessControlRuleName");
        final ParseResult r = ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, Times.MISSING, action, raw, protocol,
                src, sp, dst, dp, null, device, rule));
        final String connection = kv.get("ConnectionID");
        final String key = connection != null && !connection.isEmpty() ? connection
                : "ftd:" + protocol + "/" + src + "/" + sp + "/" + dst + "/" + dp + "/" + kv.getOrDefault("ICMPType", "");
        return withConnection(r, key, null);
    }

    private static String direction(final String word) {
        if (word == null) {
            return null;
        }
        return word.equals("inbound") ? "IN" : "OUT";
    }

    private ParseResult event(final Line line, final FirewallAction action, final String raw, final String protocolText,
            final String source, final String destination, final String direction, final String device, final String rule) {
        final String protocol = protocol(protocolText);
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "protocol " + Events.quote(protocolText) + " is not a protocol");
        }
        final Endpoint src = Endpoint.parse(source);
        final Endpoint dst = Endpoint.parse(destination);
        if (src.ip == null) {
            return ParseResult.invalid(FORMAT, "source " + Events.quote(source) + " is not an address (a name cannot be keyed)");
        }
        if (dst.ip == null) {
            return ParseResult.invalid(FORMAT, "destination " + Events.quote(destination) + " is not an address (a name cannot be keyed)");
        }
        if (src.badPort || dst.badPort) {
            return ParseResult.invalid(FORMAT, "port of " + Events.quote(src.badPort ? source : destination) + " is not 0..65535");
        }
        final boolean ports = Events.hasPorts(protocol);
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, Times.MISSING, action, raw, protocol, src.ip,
                ports ? src.port : null, dst.ip, ports ? dst.port : null, direction, device, rule));
    }

    private static String protocol(final String text) {
        if (text.startsWith("protocol ")) {
            return Events.protocol(text, 9, text.length());
        }
        final String p = text.toLowerCase(Locale.ROOT);
        return p.isEmpty() ? null : Events.protocol(p, 0, p.length());
    }

    /**
     * An ASA endpoint: {@code [iface:]ip[/port]} or {@code [iface/]ip[(port)]}, then optionally identities in
     * brackets (<code>(DOMAIN&#92;user)</code>, {@code (host.example)}) that are not ports; a port may be an ASA literal name.
     */
    private static final class Endpoint {
        String ip;
        Integer port;
        boolean badPort;

        static Endpoint parse(final String text) {
            final Endpoint e = new Endpoint();
            String t = text;
            // 313004 ends its destination with a colon: "to 192.0.2.2: no matching session".
            if (t.endsWith(":") && !t.endsWith("::")) {
                t = t.substring(0, t.length() - 1);
            }
            // An unclosed bracket belongs to the text after the endpoint ("10.0.0.1(type 8, code 0)").
            final int open0 = t.indexOf('(');
            if (open0 > 0 && t.indexOf(')', open0) < 0) {
                t = t.substring(0, open0);
            }
            boolean bracketPort = false;
            while (t.endsWith(")")) {
                final int open = t.lastIndexOf('(');
                if (open <= 0) {
                    break;
                }
                final String inside = t.substring(open + 1, t.length() - 1);
                t = t.substring(0, open);
                if (!inside.isEmpty() && Events.port(inside) >= 0 && t.indexOf('(') < 0 && !bracketPort) {
                    e.port(inside);
                    bracketPort = true;
                }
            }
            if (bracketPort) {
                final int slash = t.indexOf('/');
                if (slash >= 0) {
                    t = t.substring(slash + 1);
                }
            } else {
                final int slash = t.lastIndexOf('/');
                if (slash >= 0) {
                    e.port(t.substring(slash + 1));
                    t = t.substring(0, slash);
                }
            }
            String ip = IpText.canonical(t);
            if (ip == null) {
                final int colon = t.indexOf(':');
                if (colon > 0) {
                    ip = IpText.canonical(t.substring(colon + 1));
                }
            }
            e.ip = ip;
            return e;
        }

        private void port(final String text) {
            int p = Events.port(text);
            if (p < 0) {
                p = AsaPortNames.port(text);
            }
            if (p < 0) {
                badPort = true;
            } else {
                port = p;
            }
        }
    }
}
