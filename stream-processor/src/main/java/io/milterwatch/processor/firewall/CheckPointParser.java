package io.milterwatch.processor.firewall;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Check Point Log Exporter in its default {@code syslog} format: {@code [key:"value"; key:"value"; ...]},
 * as RFC 5424 structured data after the header ({@code <134>1 TIME HOST CheckPoint PID - [action:"Drop"; ...]})
 * or as the message itself. Values escape {@code "}, {@code ]} and {@code \} with a backslash.
 *
 * <p>A log of the firewall blade ({@code product:"VPN-1 & FireWall-1"} or {@code "Firewall"}) naming
 * {@code src} and {@code dst} is a connection event: {@code proto} (IANA number), {@code s_port},
 * {@code service} (the destination port), {@code action} (Accept, Drop, Reject...), {@code rule_name},
 * {@code time} (seconds since the epoch). Other blades' logs and logs without one connection (a
 * summary of several dropped packets in {@code packets:}) are skipped. The CEF and LEEF exports are
 * read by {@link CefParser} and {@link LeefParser}.
 */
final class CheckPointParser {

    static final String FORMAT = "checkpoint";

    private final FirewallParserConfig config;
    private final Map<String, String> kv = new HashMap<>();

    CheckPointParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** The pairs of a line, or null when it has none in Check Point's form. */
    private static String pairs(final Line line) {
        final String sd = line.structuredData;
        if (sd != null && sd.startsWith("[") && sd.contains(":\"")) {
            return sd;
        }
        final String body = line.body;
        return body.startsWith("[") && body.contains(":\"") ? body : null;
    }

    /** Pairs in Check Point's form that name the gateway ({@code origin:}) or come from the CheckPoint application. */
    static boolean matches(final Line line) {
        final String p = pairs(line);
        return p != null && (p.contains("origin:\"") || "CheckPoint".equals(line.tag)) && p.contains("\"; ");
    }

    ParseResult parse(final Line line) {
        final String text = pairs(line);
        if (text == null) {
            return ParseResult.invalid(FORMAT, "no [key:\"value\"; ...] pairs");
        }
        kv.clear();
        read(text, kv);
        final String product = kv.getOrDefault("product", "");
        if (!product.isEmpty() && !product.toLowerCase(Locale.ROOT).contains("firewall")) {
            return ParseResult.skipped(FORMAT, "Check Point " + Events.quote(product) + " log is not a connection event");
        }
        long time = Times.MISSING;
        final String seconds = kv.getOrDefault("time", "");
        if (!seconds.isEmpty() && seconds.length() <= 10 && Times.digits(seconds, 0, seconds.length()) >= 0) {
            time = Long.parseLong(seconds) * 1000L;
        }
        final String action = kv.get("action");
        return Connections.build(line, config.maxLineChars(), FORMAT, time, kv.get("src"), kv.get("dst"), kv.get("s_port"),
                kv.get("service"), kv.get("proto"), Connections.action(action), action, null, line.host != null ? null : kv.get("origin"),
                Connections.firstGiven(kv.get("rule_name"), kv.get("rule_uid")));
    }

    /** {@code [k:"v"; k2:"v2"]}: keys up to ':' (a doubled "::" is taken as one), values in quotes with backslash escapes. */
    static void read(final String s, final Map<String, String> out) {
        final int n = s.length();
        int p = 0;
        while (p < n) {
            while (p < n && (s.charAt(p) == '[' || s.charAt(p) == ']' || s.charAt(p) == ' ' || s.charAt(p) == ';')) {
                p++;
            }
            final int keyStart = p;
            while (p < n && s.charAt(p) != ':' && s.charAt(p) != ';' && s.charAt(p) != ' ') {
                p++;
            }
            if (p >= n || s.charAt(p) != ':') {
                continue;
            }
            final String key = s.substring(keyStart, p);
            p++;
            if (p < n && s.charAt(p) == ':') {
                p++;
            }
            if (p >= n || s.charAt(p) != '"') {
                continue;
            }
            p++;
            final StringBuilder value = new StringBuilder();
            while (p < n && s.charAt(p) != '"') {
                if (s.charAt(p) == '\\' && p + 1 < n) {
                    p++;
                }
                value.append(s.charAt(p));
                p++;
            }
            p++;
            if (!key.isEmpty()) {
                out.putIfAbsent(key, value.toString());
            }
        }
    }
}
