package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.HashMap;
import java.util.Map;

import io.milterwatch.schema.FirewallAction;

/**
 * Juniper SRX {@code RT_FLOW_SESSION_CREATE}, {@code _CLOSE} and {@code _DENY}, in structured form
 * (RFC 5424 structured data or the inline {@code [junos@2636... source-address="..."]}) or in the
 * plain form ({@code session created 1.2.3.4/5555->10.0.0.5/25 ... 6 policy zone zone ...}).
 *
 * <p>CREATE and CLOSE are both events: SRX policies often log only at close, so neither can be
 * assumed to be the other's duplicate.
 */
final class JuniperSrxParser {

    static final String FORMAT = "juniper-srx";

    private final FirewallParserConfig config;

    JuniperSrxParser(final FirewallParserConfig config) {
        this.config = config;
    }

    static boolean matches(final Line line) {
        return line.original.contains("RT_FLOW");
    }

    ParseResult parse(final Line line) {
        final String all = line.original;
        final String kind;
        final FirewallAction action;
        if (all.contains("RT_FLOW_SESSION_CREATE")) {
            kind = "RT_FLOW_SESSION_CREATE";
            action = FirewallAction.ALLOW;
        } else if (all.contains("RT_FLOW_SESSION_CLOSE")) {
            kind = "RT_FLOW_SESSION_CLOSE";
            action = FirewallAction.ALLOW;
        } else if (all.contains("RT_FLOW_SESSION_DENY")) {
            kind = "RT_FLOW_SESSION_DENY";
            action = FirewallAction.DROP;
        } else {
            return ParseResult.skipped(FORMAT, "Juniper RT_FLOW message that is not a session create, close or deny");
        }
        final int sd = all.indexOf("source-address=\"");
        if (sd >= 0) {
            final Map<String, String> kv = new HashMap<>();
            KeyValues.parse(all, sd, kv);
            return build(line, kind, action, kv.get("source-address"), kv.get("source-port"), kv.get("destination-address"),
                    kv.get("destination-port"), kv.get("protocol-id"), kv.get("policy-name"), kv.get("source-zone-name"));
        }
        return plain(line, kind, action);
    }

    private ParseResult plain(final Line line, final String kind, final FirewallAction action) {
        final String s = line.body;
        final String[] tokens = Events.fields(s);
        int tuple = -1;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].contains("->")) {
                tuple = i;
                break;
            }
        }
        if (tuple < 0) {
            return ParseResult.invalid(FORMAT, kind + " without a source->destination tuple");
        }
        final int arrow = tokens[tuple].indexOf("->");
        final String[] ends = {tokens[tuple].substring(0, arrow), tokens[tuple].substring(arrow + 2)};
        final int ss = ends[0].lastIndexOf('/');
        final int ds = ends[1].lastIndexOf('/');
        if (ss < 0 || ds < 0) {
            return ParseResult.invalid(FORMAT, "tuple " + Events.quote(tokens[tuple]) + " is not ip/port->ip/port");
        }
        String protocol = null;
        String policy = null;
        String zone = null;
        if (kind.equals("RT_FLOW_SESSION_DENY")) {
            // ... service proto(icmp-type) policy source-zone destination-zone ...
            for (int i = tuple + 1; i < tokens.length; i++) {
                final String t = tokens[i];
                final int open = t.indexOf('(');
                if (open > 0 && t.endsWith(")") && Times.digits(t, 0, open) >= 0) {
                    protocol = t.substring(0, open);
                    policy = i + 1 < tokens.length ? tokens[i + 1] : null;
                    zone = i + 2 < tokens.length ? tokens[i + 2] : null;
                    break;
                }
            }
        } else {
            // ... service nat-tuple [nat rule fields] protocol-id policy source-zone destination-zone ...
            int nat = -1;
            for (int i = tuple + 1; i < tokens.length; i++) {
                if (tokens[i].contains("->")) {
                    nat = i;
                    break;
                }
            }
            for (int i = nat < 0 ? tuple + 1 : nat + 1; i < tokens.length; i++) {
                if (!tokens[i].isEmpty() && tokens[i].length() <= 3 && Times.digits(tokens[i], 0, tokens[i].length()) >= 0) {
                    protocol = tokens[i];
                    policy = i + 1 < tokens.length ? tokens[i + 1] : null;
                    zone = i + 2 < tokens.length ? tokens[i + 2] : null;
                    break;
                }
            }
        }
        return build(line, kind, action, ends[0].substring(0, ss), ends[0].substring(ss + 1), ends[1].substring(0, ds),
                ends[1].substring(ds + 1), protocol, policy, zone);
    }

    private ParseResult build(final Line line, final String kind, final FirewallAction action, final String source,
            final String sourcePort, final String destination, final String destinationPort, final String protocolId,
            final String policy, final String sourceZone) {
        final String src = IpText.canonical(source);
        final String dst = IpText.canonical(destination);
        if (src == null || dst == null) {
            return ParseResult.invalid(FORMAT, kind + ": source " + Events.quote(source) + " or destination " + Events.quote(destination)
                    + " is missing or not an IP address");
        }
        if (protocolId == null || protocolId.isEmpty()) {
            return ParseResult.invalid(FORMAT, kind + " without a protocol id (truncated?)");
        }
        final String protocol = Events.protocol(protocolId, 0, protocolId.length());
        if (protocol == null) {
            return ParseResult.invalid(FORMAT, kind + ": protocol " + Events.quote(protocolId) + " is not a protocol");
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(protocol)) {
            final int a = Events.port(sourcePort);
            final int b = Events.port(destinationPort);
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, kind + ": ports " + Events.quote(sourcePort) + " / " + Events.quote(destinationPort)
                        + " are not 0..65535");
            }
            sp = a;
            dp = b;
        }
        final String rule = policy == null || policy.isEmpty() || policy.equals("N/A") ? null : policy;
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, Times.MISSING, action, kind, protocol, src, sp, dst,
                dp, null, null, rule));
    }
}
