package io.milterwatch.processor.firewall;

import java.util.HashMap;
import java.util.Map;

import io.milterwatch.net.IpText;
import io.milterwatch.schema.FirewallAction;

/**
 * Sophos Firewall (SFOS, the XG series) syslog: {@code key=value} pairs, values quoted or not.
 * Only {@code log_type="Firewall"} lines are connection events (a rule's decision, or a packet the
 * appliance refused as invalid, spoofed, a DoS...); web, mail, IPS and system logs are not.
 *
 * <p>Two generations of the same fields: up to SFOS 18.5, {@code device="SFW" date= time= timezone=}
 * with the decision in {@code status="Allow"/"Deny"}; from 19, {@code device_name= timestamp=} (ISO
 * 8601 with its offset) and {@code log_version=}, the decision only in {@code log_subtype="Allowed"/"Denied"}.
 * Addresses in {@code src_ip}/{@code dst_ip}, ports in {@code src_port}/{@code dst_port}, the protocol
 * by name or number in {@code protocol}, the rule in {@code fw_rule_name} or {@code fw_rule_id}. A
 * connection logged at its start and its stop carries one {@code con_id} ({@code connid} before 19),
 * so it counts once.
 *
 * <p>{@code timezone} is an abbreviation ("IST", "BST", "CEST") that names no zone unambiguously:
 * only UTC/GMT is taken from it; otherwise the configured zone applies, as to other vendors' times
 * without an offset.
 */
final class SophosParser {

    static final String FORMAT = "sophos";

    private final FirewallParserConfig config;
    private final Times.Parsed parsed = new Times.Parsed();
    private final Map<String, String> kv = new HashMap<>();

    SophosParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** {@code log_type="..."} together with {@code log_component="..."}: no other vendor writes that pair. */
    static boolean matches(final String s) {
        final int type = s.indexOf("log_type=");
        return type >= 0 && (type == 0 || s.charAt(type - 1) == ' ') && s.contains("log_component=");
    }

    ParseResult parse(final Line line) {
        kv.clear();
        KeyValues.parse(line.body, 0, kv);
        final String type = kv.getOrDefault("log_type", "");
        if (!type.equals("Firewall")) {
            return ParseResult.skipped(FORMAT, "Sophos " + Events.quote(type) + " log is not a connection event");
        }
        final String srcText = kv.getOrDefault("src_ip", "");
        final String dstText = kv.getOrDefault("dst_ip", "");
        final String src = IpText.canonical(srcText);
        final String dst = IpText.canonical(dstText);
        if (src == null || dst == null) {
            if (srcText.isEmpty() || dstText.isEmpty()) {
                return ParseResult.skipped(FORMAT, "Sophos firewall log without src_ip and dst_ip: no connection");
            }
            return ParseResult.invalid(FORMAT, "src_ip " + Events.quote(srcText) + " or dst_ip " + Events.quote(dstText)
                    + " is not an IP address");
        }
        if (src.equals("0.0.0.0") && dst.equals("0.0.0.0")) {
            return ParseResult.skipped(FORMAT, "Sophos " + Events.quote(kv.get("log_component")) + " log without addresses: no connection");
        }
        final String protocolText = kv.getOrDefault("protocol", "");
        final String protocol = protocolText.isEmpty() ? null : Events.protocol(protocolText, 0, protocolText.length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, "protocol " + Events.quote(protocolText) + " is not a protocol");
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(protocol)) {
            final String a = kv.getOrDefault("src_port", "");
            final String b = kv.getOrDefault("dst_port", "");
            final int spv = a.isEmpty() ? -1 : Events.port(a);
            final int dpv = b.isEmpty() ? -1 : Events.port(b);
            if (dpv < 0) {
                return ParseResult.invalid(FORMAT, "a " + protocol + " log with dst_port " + Events.quote(b) + " (not 0..65535)");
            }
            sp = spv < 0 ? null : spv;
            dp = dpv;
        }
        // 18.5 and before: status="Allow"/"Deny"; 19 and after: log_subtype="Allowed"/"Denied" only.
        String action = kv.get("status");
        if (action == null || action.isEmpty()) {
            action = kv.getOrDefault("log_subtype", "");
        }
        final FirewallAction normalised = switch (action.toLowerCase(java.util.Locale.ROOT)) {
            case "allow", "allowed" -> FirewallAction.ALLOW;
            case "deny", "denied", "drop", "dropped" -> FirewallAction.DROP;
            case "reject", "rejected" -> FirewallAction.REJECT;
            default -> FirewallAction.UNKNOWN;
        };
        final long time = time();
        final String rule = nonEmpty(kv.get("fw_rule_name"), kv.get("fw_rule_id"));
        // From SFOS 19 device_name is the product ("SFW") on every appliance; its serial number tells them apart.
        final String name = kv.get("device_name");
        final String device = line.host != null ? null
                : "SFW".equals(name) ? nonEmpty(kv.get("device_serial_id"), name) : nonEmpty(name, kv.get("device_id"));
        final var event = Events.event(line, config.maxLineChars(), FORMAT, time, normalised, action, protocol, src, sp, dst, dp,
                null, device, rule);
        final String connection = nonEmpty(kv.get("con_id"), kv.get("connid"));
        return connection == null ? ParseResult.event(event) : ParseResult.connection(event, connection);
    }

    /** The record's own time: timestamp= (with its offset), else date= and time= (in UTC when timezone= says so, else the configured zone). */
    private long time() {
        final String timestamp = kv.get("timestamp");
        if (timestamp != null && Times.rfc3339(timestamp, 0, config.zone(), parsed)) {
            return parsed.epochMs;
        }
        final String date = kv.get("date");
        final String clock = kv.get("time");
        if (date == null || clock == null) {
            return Times.MISSING;
        }
        final String tz = kv.getOrDefault("timezone", "");
        final boolean utc = tz.equals("UTC") || tz.equals("GMT");
        return Times.rfc3339(date + "T" + clock + (utc ? "Z" : ""), 0, config.zone(), parsed) ? parsed.epochMs : Times.MISSING;
    }

    private static String nonEmpty(final String a, final String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }
}
