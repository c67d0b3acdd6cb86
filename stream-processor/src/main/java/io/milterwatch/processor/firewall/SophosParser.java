package io.milterwatch.processor.firewall;

import java.util.HashMap;
import java.util.Map;

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
        if ("0.0.0.0".equals(kv.get("src_ip")) && "0.0.0.0".equals(kv.get("dst_ip"))) {
            return ParseResult.skipped(FORMAT, "Sophos " + Events.quote(kv.get("log_component")) + " log without addresses: no connection");
        }
        // 18.5 and before: status="Allow"/"Deny"; 19 and after: log_subtype="Allowed"/"Denied" only.
        final String status = kv.get("status");
        final String action = status == null || status.isEmpty() ? kv.get("log_subtype") : status;
        // From SFOS 19 device_name is the product ("SFW") on every appliance; its serial number tells them apart.
        final String name = kv.get("device_name");
        final String device = line.host != null ? null
                : "SFW".equals(name) ? Connections.firstGiven(kv.get("device_serial_id"), name) : Connections.firstGiven(name, kv.get("device_id"));
        final ParseResult r = Connections.build(line, config.maxLineChars(), FORMAT, time(), kv.get("src_ip"), kv.get("dst_ip"),
                kv.get("src_port"), kv.get("dst_port"), kv.get("protocol"), Connections.action(action), action, null, device,
                Connections.firstGiven(kv.get("fw_rule_name"), kv.get("fw_rule_id")));
        final String connection = Connections.firstGiven(kv.get("con_id"), kv.get("connid"));
        return connection == null || r.status() != ParseStatus.EVENT ? r : ParseResult.connection(r.event(), connection);
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
}
