package io.milterwatch.processor.firewall;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.schema.FirewallAction;

/**
 * Azure network security group flow logs (JSON): a document {@code {"records": [...]}} (the
 * {@code PT1H.json} blob) or one record, each with {@code properties.flows[].rule} and
 * {@code flows[].flowTuples}, as Azure Network Watcher documents them. One document holds many
 * flow tuples, hence many events: this parser returns a list.
 *
 * <p>Tuple version 1: {@code epoch-seconds,src,dst,src-port,dst-port,T|U,I|O,A|D}; version 2 adds
 * {@code B|C|E} (flow state) and four counters. Virtual network flow logs ({@code flowRecords},
 * version 4 tuples: epoch ms, IANA protocol number, state {@code D} for denied) are read the same
 * way. The device is the NSG (last segment of {@code resourceId}); the rule is the tuple's rule.
 */
final class AzureNsgParser {

    static final String FORMAT = "azure-nsg";

    private final FirewallParserConfig config;

    AzureNsgParser(final FirewallParserConfig config) {
        this.config = config;
    }

    /** True when the JSON looks like an NSG/VNet flow log document or record. */
    static boolean matches(final JsonNode root) {
        if (root == null || !root.isObject()) {
            return false;
        }
        final JsonNode records = root.get("records");
        if (records != null && records.isArray()) {
            return records.isEmpty() || matches(records.get(0));
        }
        final String category = root.path("category").asText("");
        return category.equals("NetworkSecurityGroupFlowEvent") || category.equals("FlowLogFlowEvent")
                || root.path("properties").has("flows") || root.has("flowRecords");
    }

    List<ParseResult> parse(final JsonNode root, final Line line) {
        final List<ParseResult> out = new ArrayList<>();
        record(root, line, out);
        if (out.isEmpty()) {
            out.add(ParseResult.skipped(FORMAT, "flow log document without flow tuples"));
        }
        return out;
    }

    private void record(final JsonNode node, final Line line, final List<ParseResult> out) {
        final JsonNode records = node.get("records");
        if (records != null && records.isArray()) {
            for (final JsonNode r : records) {
                record(r, line, out);
            }
        }
        final String resource = node.path("resourceId").asText(node.path("targetResourceID").asText(""));
        final String device = resource.isEmpty() ? null : resource.substring(resource.lastIndexOf('/') + 1);
        final JsonNode props = node.path("properties");
        // NSG: properties.flows[].{rule, flows[].flowTuples}; VNet: flowRecords.flows[].flowGroups[].{rule, flowTuples}
        final JsonNode nsg = props.path("flows");
        if (nsg.isArray()) {
            for (final JsonNode ruleGroup : nsg) {
                final String rule = ruleGroup.path("rule").asText(null);
                for (final JsonNode macGroup : ruleGroup.path("flows")) {
                    tuples(macGroup.path("flowTuples"), rule, device, line, out);
                }
            }
        }
        final JsonNode vnet = node.path("flowRecords").path("flows");
        if (vnet.isArray()) {
            for (final JsonNode acl : vnet) {
                for (final JsonNode group : acl.path("flowGroups")) {
                    tuples(group.path("flowTuples"), group.path("rule").asText(null), device, line, out);
                }
            }
        }
    }

    private void tuples(final JsonNode tuples, final String rule, final String device, final Line line, final List<ParseResult> out) {
        if (!tuples.isArray()) {
            return;
        }
        for (final JsonNode t : tuples) {
            out.add(t.isTextual() ? tuple(t.asText(), rule, device, line)
                    : ParseResult.invalid(FORMAT, "flow tuple " + Events.quote(t.toString()) + " is not a string"));
        }
    }

    private ParseResult tuple(final String tuple, final String rule, final String device, final Line line) {
        final String[] f = tuple.split(",", -1);
        if (f.length < 8) {
            return ParseResult.invalid(FORMAT, "flow tuple " + Events.quote(tuple) + " has " + f.length + " fields, at least 8 expected");
        }
        final boolean vnet = !f[5].isEmpty() && Character.isDigit(f[5].charAt(0));
        final String protocol;
        final FirewallAction action;
        final String raw;
        if (vnet) {
            protocol = f[5];
            raw = f[7];
            action = switch (f[7]) {
                case "D" -> FirewallAction.DROP;
                case "B", "C", "E" -> FirewallAction.ALLOW;
                default -> null;
            };
        } else {
            protocol = switch (f[5]) {
                case "T" -> "tcp";
                case "U" -> "udp";
                default -> null;
            };
            if (protocol == null) {
                return ParseResult.invalid(FORMAT, "flow tuple protocol " + Events.quote(f[5]) + " is not T or U");
            }
            raw = f[7];
            action = f[7].equals("A") ? FirewallAction.ALLOW : f[7].equals("D") ? FirewallAction.DROP : null;
        }
        if (action == null) {
            return ParseResult.invalid(FORMAT, "flow tuple decision " + Events.quote(f[7]) + " is not A or D (B, C, E or D in version 4)");
        }
        long time = Times.MISSING;
        try {
            final long v = Long.parseLong(f[0]);
            time = f[0].length() <= 10 ? v * 1000L : v;
        } catch (final NumberFormatException e) {
            return ParseResult.invalid(FORMAT, "flow tuple time " + Events.quote(f[0]) + " is not epoch seconds");
        }
        final String direction = f[6].equals("I") ? "IN" : f[6].equals("O") ? "OUT" : null;
        return Connections.build(line, config.maxLineChars(), FORMAT, time, f[1], f[2], f[3], f[4], protocol, action, raw, direction,
                device, rule);
    }
}
