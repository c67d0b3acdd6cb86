package io.milterwatch.processor.firewall;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.milterwatch.schema.FirewallAction;

/**
 * AWS VPC Flow Logs: space-separated fields, by default the v2 format
 * ({@code version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status}),
 * or the fields of a user-given format string ({@code ${version} ${vpc-id} ${srcaddr} ...}), as AWS
 * itself takes them. Time is the start of the capture window; records with a log-status other than
 * OK carry no flow and are skipped.
 */
final class AwsVpcFlowParser {

    static final String FORMAT = "aws-vpc";
    static final String DEFAULT_FORMAT = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
            + "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

    private final FirewallParserConfig config;
    private final List<String> columns;
    private final int src;
    private final int dst;
    private final int srcPort;
    private final int dstPort;
    private final int protocol;
    private final int start;
    private final int action;
    private final int status;
    private final int iface;
    private final int instance;
    private final int flowDirection;
    private final int[] tokenStarts;
    private final int[] tokenEnds;

    AwsVpcFlowParser(final FirewallParserConfig config) {
        this.config = config;
        this.columns = columns(config.vpcFormat() == null ? DEFAULT_FORMAT : config.vpcFormat());
        src = columns.indexOf("srcaddr");
        dst = columns.indexOf("dstaddr");
        srcPort = columns.indexOf("srcport");
        dstPort = columns.indexOf("dstport");
        protocol = columns.indexOf("protocol");
        start = columns.indexOf("start");
        action = columns.indexOf("action");
        status = columns.indexOf("log-status");
        iface = columns.indexOf("interface-id");
        instance = columns.indexOf("instance-id");
        flowDirection = columns.indexOf("flow-direction");
        tokenStarts = new int[columns.size()];
        tokenEnds = new int[columns.size()];
    }

    /**
     * The field names of a format string.
     *
     * @throws IllegalArgumentException when it is not {@code ${field} ...} or lacks srcaddr, dstaddr or action
     */
    static List<String> columns(final String format) {
        final List<String> names = new ArrayList<>();
        for (final String token : format.strip().split("\\s+")) {
            if (!token.startsWith("${") || !token.endsWith("}") || token.length() < 4) {
                throw new IllegalArgumentException("VPC flow log format: '" + token + "' is not ${field-name}");
            }
            names.add(token.substring(2, token.length() - 1).toLowerCase(Locale.ROOT));
        }
        for (final String required : List.of("srcaddr", "dstaddr", "action")) {
            if (!names.contains(required)) {
                throw new IllegalArgumentException("VPC flow log format '" + format + "' has no ${" + required + "}");
            }
        }
        return List.copyOf(names);
    }

    /** Splits the body into this format's columns; false when the count differs. */
    private boolean split(final String s) {
        int count = 0;
        int p = 0;
        final int n = s.length();
        while (p < n) {
            while (p < n && s.charAt(p) == ' ') {
                p++;
            }
            if (p >= n) {
                break;
            }
            final int e = next(s, p);
            if (count == tokenStarts.length) {
                return false;
            }
            tokenStarts[count] = p;
            tokenEnds[count] = e;
            count++;
            p = e;
        }
        return count == tokenStarts.length;
    }

    private static int next(final String s, final int from) {
        int p = from;
        while (p < s.length() && s.charAt(p) != ' ') {
            p++;
        }
        return p;
    }

    /** True when the body has this format's shape: the column count, an action word and a log status. */
    boolean matches(final String s) {
        if (!split(s)) {
            return false;
        }
        if (isHeader(s)) {
            return true;
        }
        final String a = token(s, action);
        final boolean actionOk = a.equals("ACCEPT") || a.equals("REJECT") || a.equals("-");
        if (status >= 0) {
            final String st = token(s, status);
            return actionOk && (st.equals("OK") || st.equals("NODATA") || st.equals("SKIPDATA"));
        }
        return actionOk;
    }

    private boolean isHeader(final String s) {
        return token(s, 0).equals(columns.get(0)) && token(s, src).equals("srcaddr");
    }

    ParseResult parse(final Line line) {
        final String s = line.body;
        if (!split(s)) {
            return ParseResult.invalid(FORMAT, "VPC flow record without the " + columns.size() + " fields of its format");
        }
        if (isHeader(s)) {
            return ParseResult.skipped(FORMAT, "VPC flow log header line");
        }
        if (status >= 0 && !token(s, status).equals("OK")) {
            return ParseResult.skipped(FORMAT, "VPC flow record with log-status " + token(s, status) + ": no flow in it");
        }
        final String srcIp = IpText.canonical(s, tokenStarts[src], tokenEnds[src]);
        final String dstIp = IpText.canonical(s, tokenStarts[dst], tokenEnds[dst]);
        if (srcIp == null || dstIp == null) {
            return ParseResult.invalid(FORMAT, "srcaddr " + Events.quote(token(s, src)) + " or dstaddr " + Events.quote(token(s, dst))
                    + " is not an IP address");
        }
        String proto = "unknown";
        if (protocol >= 0) {
            proto = Events.protocol(s, tokenStarts[protocol], tokenEnds[protocol]);
            if (proto == null) {
                return ParseResult.invalid(FORMAT, "protocol " + Events.quote(token(s, protocol)) + " is not an IANA number");
            }
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(proto) && srcPort >= 0 && dstPort >= 0) {
            final int a = Events.port(s, tokenStarts[srcPort], tokenEnds[srcPort]);
            final int b = Events.port(s, tokenStarts[dstPort], tokenEnds[dstPort]);
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "ports " + Events.quote(token(s, srcPort)) + " / " + Events.quote(token(s, dstPort))
                        + " are not 0..65535");
            }
            sp = a;
            dp = b;
        }
        final String a = token(s, action);
        // Security groups and network ACLs drop silently (no RST, no ICMP): REJECT in a flow log is a drop.
        final FirewallAction normalised = a.equals("ACCEPT") ? FirewallAction.ALLOW
                : a.equals("REJECT") ? FirewallAction.DROP : null;
        if (normalised == null) {
            return ParseResult.invalid(FORMAT, "action " + Events.quote(a) + " is not ACCEPT or REJECT");
        }
        long time = Times.MISSING;
        if (start >= 0) {
            final String t = token(s, start);
            if (!t.equals("-")) {
                try {
                    final long seconds = Long.parseLong(t);
                    if (seconds < 0 || seconds > 32_503_680_000L) {
                        return ParseResult.invalid(FORMAT, "start " + Events.quote(t) + " is not a plausible epoch second");
                    }
                    time = seconds * 1000L;
                } catch (final NumberFormatException e) {
                    return ParseResult.invalid(FORMAT, "start " + Events.quote(t) + " is not epoch seconds");
                }
            }
        }
        String device = null;
        if (instance >= 0 && !token(s, instance).equals("-")) {
            device = token(s, instance);
        } else if (iface >= 0 && !token(s, iface).equals("-")) {
            device = token(s, iface);
        }
        String direction = null;
        if (flowDirection >= 0) {
            final String d = token(s, flowDirection);
            direction = d.equals("ingress") ? "IN" : d.equals("egress") ? "OUT" : null;
        }
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, a, proto, srcIp, sp, dstIp, dp,
                direction, device, null));
    }

    private String token(final String s, final int i) {
        return s.substring(tokenStarts[i], tokenEnds[i]);
    }
}
