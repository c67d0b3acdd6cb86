package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.milterwatch.schema.FirewallAction;

/**
 * FortiGate / FortiOS {@code key=value} logs. Only {@code type=traffic} lines are connection
 * events. Time from {@code eventtime} (seconds, ms, µs or ns since the epoch) when present, else
 * {@code date}/{@code time} with {@code tz} (or the configured zone). The CEF variant
 * ({@code CEF:0|Fortinet|Fortigate|...|traffic:forward deny|...|src= spt= dst= dpt= proto= act=}) is
 * read into the same fields.
 */
final class FortiGateParser {

    static final String FORMAT = "fortigate";

    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();

    FortiGateParser(final FirewallParserConfig config) {
        this.config = config;
    }

    private static final Pattern CEF_KEY = Pattern.compile("(?:^|\\s)([A-Za-z0-9_]+)=");

    /**
     * Any of: {@code devname=}/{@code devid=} with {@code logid=} or {@code type=}; {@code logid=}/{@code log_id=}/{@code device_id=}
     * with {@code type=} and {@code subtype=}/{@code vd=}; {@code type=traffic} (quoted or not) with {@code subtype=}; or
     * {@code CEF:} with {@code |Fortinet|}.
     *
     * <p>Detection asks this of every line that reaches it (PAN-OS, Windows Firewall and VPC lines among them), so it
     * scans as little as it can: a line without '=' can only be the CEF form, and each substring is looked for once.
     */
    static boolean matches(final String s) {
        if (s.indexOf('=') < 0) {
            return s.indexOf('|') >= 0 && s.contains("CEF:") && s.contains("|Fortinet|");
        }
        final boolean device = s.contains("devname=") || s.contains("devid=");
        if (s.contains("type=")) {
            if (device) {
                return true;
            }
            final boolean subtype = s.contains("subtype=");
            if ((subtype || s.contains("vd=")) && (s.contains("logid=") || s.contains("log_id=") || s.contains("device_id="))) {
                return true;
            }
            if (subtype && (s.contains("type=traffic") || s.contains("type=\"traffic\""))) {
                return true;
            }
        } else if (device && s.contains("logid=")) {
            return true;
        }
        return s.indexOf('|') >= 0 && s.contains("CEF:") && s.contains("|Fortinet|");
    }

    /** FortiOS {@code format csv}: the first value is followed by a comma and the next key, not by a space. */
    static boolean commaSeparated(final String s, final int from) {
        final int eq = s.indexOf('=', from);
        if (eq < 0) {
            return false;
        }
        int p = eq + 1;
        if (p < s.length() && s.charAt(p) == '"') {
            final int close = s.indexOf('"', p + 1);
            return close > 0 && close + 1 < s.length() && s.charAt(close + 1) == ',';
        }
        while (p < s.length() && s.charAt(p) != ' ' && s.charAt(p) != ',') {
            p++;
        }
        return p < s.length() && s.charAt(p) == ',' && KeyValues.keyFollows(s, p + 1);
    }

    ParseResult parse(final Line line) {
        final Map<String, String> kv = new HashMap<>();
        final int cef = line.body.indexOf("CEF:");
        if (cef >= 0) {
            final String problem = cef(line.body.substring(cef), kv);
            if (problem != null) {
                return ParseResult.invalid(FORMAT, problem);
            }
        } else {
            KeyValues.parse(line.body, 0, kv, commaSeparated(line.body, 0));
        }
        final String type = kv.get("type");
        if (type == null) {
            return ParseResult.invalid(FORMAT, "FortiGate line without type=");
        }
        if (!type.equals("traffic")) {
            return ParseResult.skipped(FORMAT, "FortiGate type=" + type + " is not a connection event");
        }
        // IPv6 sessions: srcip/dstip hold the IPv6 address, or are absent and srcip6/dstip6 carry it.
        // FortiOS 4 and older named them src=/dst=/src_port=/dst_port=.
        final String srcText = first(kv, "srcip", "srcip6", "src");
        final String dstText = first(kv, "dstip", "dstip6", "dst");
        final String src = IpText.canonical(srcText);
        final String dst = IpText.canonical(dstText);
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, "srcip " + Events.quote(srcText) + " or dstip " + Events.quote(dstText)
                    + " is missing or not an IP address");
        }
        final String protoText = kv.get("proto");
        final String protocol = protoText == null ? null : Events.protocol(protoText, 0, protoText.length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "proto " + Events.quote(protoText) + " is missing or not an IANA number");
        }
        Integer sp = null;
        Integer dp = null;
        String note = null;
        final String spText = first(kv, "srcport", "src_port", null);
        final String dpText = first(kv, "dstport", "dst_port", null);
        if (Events.hasPorts(protocol) && spText == null && dpText == null) {
            // FortiOS 3/4 "subtype=other" lines name no ports at all: the event is keyed by the bare address.
            note = "no ports in the line";
        } else if (Events.hasPorts(protocol)) {
            final int a = Events.port(spText);
            final int b = Events.port(dpText);
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "srcport " + Events.quote(spText) + " / dstport " + Events.quote(dpText)
                        + " missing or not 0..65535");
            }
            sp = a;
            dp = b;
        }
        // The log reference: action is "deny" when the policy blocked the session, "start" for a session-start
        // log, and otherwise how an allowed session ended. Older FortiOS wrote the decision as status=; a line
        // without either still says what the security profiles did in utmaction=.
        String action = kv.get("action");
        if (action == null || action.isEmpty()) {
            action = kv.get("status");
        }
        if (action == null || action.isEmpty()) {
            action = kv.get("utmaction");
        }
        if (action == null || action.isEmpty()) {
            return ParseResult.invalid(FORMAT, "FortiGate traffic line without action=, status= or utmaction=");
        }
        final FirewallAction normalised = switch (action.toLowerCase(java.util.Locale.ROOT)) {
            case "accept", "accepted", "allow", "allowed", "pass", "passthrough", "monitor", "close", "timeout", "server-rst",
                    "client-rst", "start", "ip-conn", "dns" -> FirewallAction.ALLOW;
            case "deny", "block", "drop", "blocked", "denied", "dropped" -> FirewallAction.DROP;
            case "reject", "reset" -> FirewallAction.REJECT;
            default -> FirewallAction.UNKNOWN;
        };
        long time = time(kv);
        if (time == Long.MIN_VALUE + 1 && line.headerTimeMs != Times.MISSING) {
            time = Times.MISSING; // a damaged date=/time= pair, but the syslog header has the time
        }
        if (time == Long.MIN_VALUE + 1) {
            return ParseResult.invalid(FORMAT, "date=" + Events.quote(kv.get("date")) + " time=" + Events.quote(kv.get("time"))
                    + " is not a valid time");
        }
        final String subtype = kv.get("subtype");
        final String direction = "local".equals(subtype) ? "IN" : "forward".equals(subtype) ? "FORWARD" : null;
        final String device = kv.getOrDefault("devname", kv.get("devid"));
        final String policy = kv.getOrDefault("policyname", kv.get("policyid"));
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, action, protocol, src, sp, dst, dp,
                direction, device, policy), note);
    }

    private static String first(final Map<String, String> kv, final String a, final String b, final String c) {
        String v = kv.get(a);
        if (v == null || v.isEmpty()) {
            v = kv.get(b);
        }
        if ((v == null || v.isEmpty()) && c != null) {
            v = kv.get(c);
        }
        return v;
    }

    /** CEF header and extension into FortiGate's own key names; null, or what is wrong. */
    private static String cef(final String s, final Map<String, String> kv) {
        // CEF:Version|Vendor|Product|Version|Class ID|Name|Severity|Extension, '|' escaped as "\|" in the header
        int fields = 0;
        int p = 0;
        int nameStart = -1;
        int nameEnd = -1;
        while (fields < 7 && p < s.length()) {
            final int bar = nextBar(s, p);
            if (bar < 0) {
                return "CEF line with " + (fields + 1) + " header fields, 8 expected (truncated?)";
            }
            if (fields == 5) {
                nameStart = p;
                nameEnd = bar;
            }
            fields++;
            p = bar + 1;
        }
        if (fields < 7) {
            return "CEF line with " + fields + " header fields, 8 expected (truncated?)";
        }
        final String extension = s.substring(p);
        final Map<String, String> ext = new HashMap<>();
        final Matcher m = CEF_KEY.matcher(extension);
        String key = null;
        int valueStart = 0;
        while (m.find()) {
            if (key != null) {
                ext.putIfAbsent(key, unescape(extension.substring(valueStart, m.start()).strip()));
            }
            key = m.group(1);
            valueStart = m.end();
        }
        if (key != null) {
            ext.putIfAbsent(key, unescape(extension.substring(valueStart).strip()));
        }
        final String category = ext.getOrDefault("cat", s.substring(nameStart, nameEnd));
        final int colon = category.indexOf(':');
        kv.put("type", colon > 0 ? category.substring(0, colon) : category.split(" ", 2)[0]);
        if (colon > 0) {
            kv.put("subtype", category.substring(colon + 1).split(" ", 2)[0]);
        }
        copy(ext, "src", kv, "srcip");
        copy(ext, "dst", kv, "dstip");
        copy(ext, "spt", kv, "srcport");
        copy(ext, "dpt", kv, "dstport");
        copy(ext, "proto", kv, "proto");
        copy(ext, "act", kv, "action");
        copy(ext, "dvchost", kv, "devname");
        copy(ext, "deviceExternalId", kv, "devid");
        copy(ext, "FTNTFGTeventtime", kv, "eventtime");
        copy(ext, "FTNTFGTpolicyid", kv, "policyid");
        copy(ext, "FTNTFGTsubtype", kv, "subtype");
        return null;
    }

    private static int nextBar(final String s, final int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.charAt(i) == '|') {
                return i;
            }
        }
        return -1;
    }

    private static void copy(final Map<String, String> from, final String key, final Map<String, String> to, final String as) {
        final String v = from.get(key);
        if (v != null) {
            to.put(as, v);
        }
    }

    private static String unescape(final String v) {
        return v.indexOf('\\') < 0 ? v : v.replace("\\=", "=").replace("\\\\", "\\");
    }

    private long time(final Map<String, String> kv) {
        final String eventtime = kv.get("eventtime");
        if (eventtime != null && !eventtime.isEmpty() && eventtime.length() <= 19) {
            try {
                long v = Long.parseLong(eventtime);
                // seconds (10 digits), ms (13), µs (16) or ns (19): bring to ms
                while (v > 100_000_000_000_000L) {
                    v /= 1000;
                }
                return v < 100_000_000_000L ? v * 1000 : v;
            } catch (final NumberFormatException e) {
                // fall through to date/time
            }
        }
        final String date = kv.get("date");
        final String clock = kv.get("time");
        if (date == null || clock == null) {
            return Times.MISSING;
        }
        final String tz = kv.get("tz");
        String text = date + "T" + clock;
        if (tz != null && (tz.startsWith("+") || tz.startsWith("-"))) {
            text = text + tz;
        }
        if (!Times.rfc3339(text, 0, config.zone(), parsed)) {
            return Long.MIN_VALUE + 1;
        }
        return parsed.epochMs;
    }
}
