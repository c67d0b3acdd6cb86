package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.milterwatch.schema.FirewallAction;

/**
 * AWS VPC Flow Logs: space-separated fields in the order of the flow log's format string
 * ({@code ${version} ${vpc-id} ${srcaddr} ...}, as AWS takes it; setting {@code processor.firewall.vpc.format}).
 * Without a configured format, a record is read in the default v2 format, or, when it has more
 * fields, in the order AWS lists all the fields of versions 3, 4, 5, 7 and 8 (the console's
 * "all fields" custom format: 21, 25, 29, 39 or 40 fields), or of transit gateway flow logs' default
 * format (36 fields, no action: UNKNOWN). A header line of field names (the first
 * line of every file AWS writes to S3) sets the order for the lines of its stream that follow it.
 * Time is the start of the capture window; records with a log-status other than OK carry no flow
 * and are skipped.
 */
final class AwsVpcFlowParser {

    static final String FORMAT = "aws-vpc";
    static final String DEFAULT_FORMAT = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
            + "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

    /** Every field AWS documents, in its documented order (versions 2, 3, 4, 5, 7, 8). */
    static final List<String> ALL_FIELDS = List.of("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
            "protocol", "packets", "bytes", "start", "end", "action", "log-status",
            "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
            "region", "az-id", "sublocation-type", "sublocation-id",
            "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path",
            "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id", "ecs-container-id",
            "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn", "ecs-task-arn", "ecs-task-id",
            "reject-reason");
    /**
     * The default format of transit gateway flow logs (same delivery, no {@code action}: a transit
     * gateway does not filter, so its records give the action UNKNOWN).
     */
    static final List<String> TGW_FIELDS = List.of("version", "resource-type", "account-id", "tgw-id", "tgw-attachment-id",
            "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id", "tgw-src-vpc-id", "tgw-dst-vpc-id", "tgw-src-subnet-id",
            "tgw-dst-subnet-id", "tgw-src-eni", "tgw-dst-eni", "tgw-src-az-id", "tgw-dst-az-id", "tgw-pair-attachment-id", "srcaddr",
            "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "log-status", "type", "packets-lost-no-route",
            "packets-lost-blackhole", "packets-lost-mtu-exceeded", "packets-lost-ttl-expired", "tcp-flags", "region", "flow-direction",
            "pkt-src-aws-service", "pkt-dst-aws-service");
    private static final Set<String> KNOWN = new HashSet<>(ALL_FIELDS);

    static {
        KNOWN.addAll(TGW_FIELDS);
    }
    /** Field counts of the documented "all fields" orders, by version: 3, 4, 5, 7, 8. */
    private static final int[] ALL_FIELD_COUNTS = {21, 25, 29, 39, 40};
    private static final int MAX_STREAMS = 10_000;

    private final FirewallParserConfig config;
    private final boolean configured;
    private final Layout base;
    private final Map<Integer, Layout> byCount = new HashMap<>();
    private final Map<String, Layout> byStream = new HashMap<>();
    private final int[] tokenStarts = new int[64];
    private final int[] tokenEnds = new int[64];
    private int count;
    private Layout layout;

    AwsVpcFlowParser(final FirewallParserConfig config) {
        this.config = config;
        this.configured = config.vpcFormat() != null;
        this.base = new Layout(columns(configured ? config.vpcFormat() : DEFAULT_FORMAT));
        if (!configured) {
            for (final int n : ALL_FIELD_COUNTS) {
                byCount.put(n, new Layout(ALL_FIELDS.subList(0, n)));
            }
            byCount.put(TGW_FIELDS.size(), new Layout(TGW_FIELDS));
        }
    }

    /** Column indexes of one field order. */
    private static final class Layout {
        final List<String> columns;
        final int src;
        final int dst;
        final int srcPort;
        final int dstPort;
        final int protocol;
        final int start;
        final int action;
        final int status;
        final int iface;
        final int instance;
        final int flowDirection;
        final int tgw;

        Layout(final List<String> columns) {
            this.columns = columns;
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
            tgw = columns.indexOf("tgw-id");
        }
    }

    /**
     * The field names of a format string.
     *
     * @throws IllegalArgumentException when it is not {@code ${field} ...}, has more than 64 fields,
     *                                  or lacks srcaddr, dstaddr or action (tgw-id instead of action for transit gateways)
     */
    static List<String> columns(final String format) {
        final List<String> names = new ArrayList<>();
        for (final String token : format.strip().split("\\s+")) {
            if (!token.startsWith("${") || !token.endsWith("}") || token.length() < 4) {
                throw new IllegalArgumentException("VPC flow log format: '" + token + "' is not ${field-name}");
            }
            names.add(token.substring(2, token.length() - 1).toLowerCase(Locale.ROOT));
        }
        if (names.size() > 64) {
            throw new IllegalArgumentException("VPC flow log format with " + names.size() + " fields, at most 64");
        }
        for (final String required : List.of("srcaddr", "dstaddr", "action")) {
            if (!names.contains(required) && !(required.equals("action") && names.contains("tgw-id"))) {
                throw new IllegalArgumentException("VPC flow log format '" + format + "' has no ${" + required + "}");
            }
        }
        return List.copyOf(names);
    }

    /** Splits the body into tokens; false when there are more than 64. */
    private boolean split(final String s) {
        count = 0;
        int p = 0;
        final int n = s.length();
        while (p < n) {
            while (p < n && s.charAt(p) == ' ') {
                p++;
            }
            if (p >= n) {
                break;
            }
            int e = p;
            while (e < n && s.charAt(e) != ' ') {
                e++;
            }
            if (count == tokenStarts.length) {
                return false;
            }
            tokenStarts[count] = p;
            tokenEnds[count] = e;
            count++;
            p = e;
        }
        return true;
    }

    private static String stream(final Line line) {
        return line.context.source() == null ? "" : line.context.source();
    }

    /** The layout for this line's token count: the stream's header, the configured or default format, or an "all fields" order. */
    private Layout choose(final Line line) {
        final Layout header = byStream.isEmpty() ? null : byStream.get(stream(line));
        if (header != null && header.columns.size() == count) {
            return header;
        }
        if (base.columns.size() == count) {
            return base;
        }
        return configured ? null : byCount.get(count);
    }

    /** True when every token is a VPC flow log field name, srcaddr, dstaddr and action among them. */
    private boolean isHeader(final String s) {
        if (count < 3) {
            return false;
        }
        boolean src = false;
        boolean dst = false;
        boolean action = false;
        boolean tgw = false;
        for (int i = 0; i < count; i++) {
            final String t = token(s, i);
            if (!KNOWN.contains(t)) {
                return false;
            }
            src |= t.equals("srcaddr");
            dst |= t.equals("dstaddr");
            action |= t.equals("action");
            tgw |= t.equals("tgw-id");
        }
        return src && dst && (action || tgw);
    }

    /** True when the body has a VPC flow record's shape: a known field count, an action word and a log status; or it is a header. */
    boolean matches(final Line line) {
        final String s = line.body;
        if (!split(s)) {
            return false;
        }
        if (isHeader(s)) {
            return true;
        }
        final Layout l = choose(line);
        if (l == null) {
            return false;
        }
        final boolean actionOk;
        if (l.action >= 0) {
            final String a = token(s, l.action);
            actionOk = a.equals("ACCEPT") || a.equals("REJECT") || a.equals("-");
        } else {
            actionOk = l.tgw >= 0 && token(s, l.tgw).startsWith("tgw-");
        }
        if (l.status >= 0) {
            final String st = token(s, l.status);
            return actionOk && (st.equals("OK") || st.equals("NODATA") || st.equals("SKIPDATA"));
        }
        return actionOk;
    }

    ParseResult parse(final Line line) {
        final String s = line.body;
        if (!split(s)) {
            return ParseResult.invalid(FORMAT, "VPC flow record with more than 64 fields");
        }
        if (isHeader(s)) {
            if (byStream.size() >= MAX_STREAMS) {
                byStream.clear();
            }
            final List<String> names = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                names.add(token(s, i));
            }
            byStream.put(stream(line), new Layout(List.copyOf(names)));
            return ParseResult.skipped(FORMAT, "VPC flow log header line (sets the field order of this stream)");
        }
        layout = choose(line);
        if (layout == null) {
            return ParseResult.invalid(FORMAT, "VPC flow record with " + count + " fields, the format has " + base.columns.size()
                    + (configured ? "" : " (or 21, 25, 29, 39, 40 in the order of all fields)"));
        }
        final Layout l = layout;
        if (l.status >= 0 && !token(s, l.status).equals("OK")) {
            return ParseResult.skipped(FORMAT, "VPC flow record with log-status " + token(s, l.status) + ": no flow in it");
        }
        final String srcIp = IpText.canonical(s, tokenStarts[l.src], tokenEnds[l.src]);
        final String dstIp = IpText.canonical(s, tokenStarts[l.dst], tokenEnds[l.dst]);
        if (srcIp == null || dstIp == null) {
            return ParseResult.invalid(FORMAT, "srcaddr " + Events.quote(token(s, l.src)) + " or dstaddr " + Events.quote(token(s, l.dst))
                    + " is not an IP address");
        }
        String proto = "unknown";
        if (l.protocol >= 0) {
            proto = Events.protocol(s, tokenStarts[l.protocol], tokenEnds[l.protocol]);
            if (proto == null) {
                return ParseResult.invalid(FORMAT, "protocol " + Events.quote(token(s, l.protocol)) + " is not an IANA number");
            }
        }
        Integer sp = null;
        Integer dp = null;
        if (Events.hasPorts(proto) && l.srcPort >= 0 && l.dstPort >= 0) {
            final int a = Events.port(s, tokenStarts[l.srcPort], tokenEnds[l.srcPort]);
            final int b = Events.port(s, tokenStarts[l.dstPort], tokenEnds[l.dstPort]);
            if (a < 0 || b < 0) {
                return ParseResult.invalid(FORMAT, "ports " + Events.quote(token(s, l.srcPort)) + " / " + Events.quote(token(s, l.dstPort))
                        + " are not 0..65535");
            }
            sp = a;
            dp = b;
        }
        final long time = time(s, l);
        if (time == BAD_TIME) {
            return ParseResult.invalid(FORMAT, "start " + Events.quote(token(s, l.start)) + " is not a plausible epoch second");
        }
        if (l.action < 0) {
            // a transit gateway forwards without filtering: the record does not say what the endpoint did
            return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, FirewallAction.UNKNOWN, null, proto,
                    srcIp, sp, dstIp, dp, direction(s, l), l.tgw >= 0 ? token(s, l.tgw) : null, null));
        }
        final String a = token(s, l.action);
        // Security groups and network ACLs drop silently (no RST, no ICMP): REJECT in a flow log is a drop.
        final FirewallAction normalised = a.equals("ACCEPT") ? FirewallAction.ALLOW
                : a.equals("REJECT") ? FirewallAction.DROP : null;
        if (normalised == null) {
            return ParseResult.invalid(FORMAT, "action " + Events.quote(a) + " is not ACCEPT or REJECT");
        }
        String device = null;
        if (l.instance >= 0 && !token(s, l.instance).equals("-")) {
            device = token(s, l.instance);
        } else if (l.iface >= 0 && !token(s, l.iface).equals("-")) {
            device = token(s, l.iface);
        }
        final String direction = direction(s, l);
        return ParseResult.event(Events.event(line, config.maxLineChars(), FORMAT, time, normalised, a, proto, srcIp, sp, dstIp, dp,
                direction, device, null));
    }

    private static final long BAD_TIME = Long.MIN_VALUE + 1;

    /** The start of the capture window, MISSING for '-', BAD_TIME when it is not epoch seconds. */
    private long time(final String s, final Layout l) {
        if (l.start < 0) {
            return Times.MISSING;
        }
        final String t = token(s, l.start);
        if (t.equals("-")) {
            return Times.MISSING;
        }
        try {
            final long seconds = Long.parseLong(t);
            return seconds < 0 || seconds > 32_503_680_000L ? BAD_TIME : seconds * 1000L;
        } catch (final NumberFormatException e) {
            return BAD_TIME;
        }
    }

    private String direction(final String s, final Layout l) {
        if (l.flowDirection < 0) {
            return null;
        }
        final String d = token(s, l.flowDirection);
        return d.equals("ingress") ? "IN" : d.equals("egress") ? "OUT" : null;
    }

    private String token(final String s, final int i) {
        return s.substring(tokenStarts[i], tokenEnds[i]);
    }
}
