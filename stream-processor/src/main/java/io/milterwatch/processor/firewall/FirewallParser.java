package io.milterwatch.processor.firewall;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Parses one firewall log line into a {@link ParseResult}: opens the envelopes (JSON from a shipper,
 * a syslog header), recognises the format of the message, and hands it to that format's parser.
 *
 * <p>Every line gets exactly one outcome and none can throw: anything unexpected becomes INVALID
 * with the reason. Lines from a syslog stream that are not from a firewall (sshd, dhcpd, kernel
 * messages other than netfilter's) are SKIPPED; text that no format recognises is INVALID.
 *
 * <p>A line may hold several events: an Azure flow log document holds many flow tuples.
 * {@link #parseAll} returns them all; {@link #parse} returns the first of them.
 *
 * <p>Not thread-safe and stateful per instance (the W3C {@code #Fields:} of each stream, caches):
 * use one instance per thread and stream task.
 */
public final class FirewallParser {

    /** The format names, for {@code --format} and {@link ParseResult#format()}. */
    public static final List<String> FORMATS = List.of(NetfilterParser.FORMAT, FilterlogParser.FORMAT, AwsVpcFlowParser.FORMAT,
            CiscoAsaParser.FORMAT, FortiGateParser.FORMAT, PaloAltoParser.FORMAT, JuniperSrxParser.FORMAT, WindowsFirewallParser.FORMAT,
            CefParser.FORMAT, LeefParser.FORMAT, AzureNsgParser.FORMAT, SophosParser.FORMAT, CheckPointParser.FORMAT);

    private final FirewallParserConfig config;
    private final String only;
    private final Line line = new Line();
    private final SyslogHeader syslog = new SyslogHeader();
    private final JsonEnvelope json = new JsonEnvelope();
    private final NetfilterParser netfilter;
    private final FilterlogParser filterlog;
    private final AwsVpcFlowParser vpc;
    private final CiscoAsaParser asa;
    private final FortiGateParser fortigate;
    private final PaloAltoParser paloalto;
    private final JuniperSrxParser juniper;
    private final SophosParser sophos;
    private final CheckPointParser checkpoint;
    private final WindowsFirewallParser windows;
    private final CefParser cef;
    private final LeefParser leef;
    private final AzureNsgParser nsg;
    /** Every result of the current line when it held more than one event, else null. */
    private List<ParseResult> many;

    public FirewallParser(final FirewallParserConfig config) {
        this.config = config;
        this.only = "auto".equals(config.format()) ? null : config.format();
        this.netfilter = new NetfilterParser(config, PrefixRules.parse(config.prefixRules()));
        this.filterlog = new FilterlogParser(config);
        this.vpc = new AwsVpcFlowParser(config);
        this.asa = new CiscoAsaParser(config);
        this.fortigate = new FortiGateParser(config);
        this.paloalto = new PaloAltoParser(config);
        this.juniper = new JuniperSrxParser(config);
        this.sophos = new SophosParser(config);
        this.checkpoint = new CheckPointParser(config);
        this.windows = new WindowsFirewallParser(config);
        this.cef = new CefParser(config);
        this.leef = new LeefParser(config);
        this.nsg = new AzureNsgParser(config);
    }

    public FirewallParser() {
        this(FirewallParserConfig.defaults());
    }

    public FirewallParserConfig config() {
        return config;
    }

    /**
     * Parses one line into all the results it holds (one for every format but Azure flow log
     * documents, which hold one per flow tuple); never throws, never empty.
     */
    public List<ParseResult> parseAll(final String text, final LineContext context) {
        final ParseResult first = parse(text, context);
        final List<ParseResult> all = many;
        many = null;
        return all != null && all.size() > 1 ? List.copyOf(all) : List.of(first);
    }

    /** Parses one line; never throws. For a line that holds several events, the first of them ({@link #parseAll} gives all). */
    public ParseResult parse(final String text, final LineContext context) {
        many = null;
        try {
            return parseUnchecked(text, context);
        } catch (final RuntimeException | StackOverflowError e) {
            return ParseResult.invalid(null, "parser failed on this line: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + Events.quote(e.getMessage())));
        }
    }

    private ParseResult parseUnchecked(final String text, final LineContext context) {
        if (text == null) {
            return ParseResult.invalid(null, "no line (null value)");
        }
        if (text.length() > FirewallParserConfig.MAX_INPUT_CHARS) {
            return ParseResult.invalid(null, "line of " + text.length() + " characters, more than "
                    + FirewallParserConfig.MAX_INPUT_CHARS + ": not a log line");
        }
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = 0;
        while (start < end && (text.charAt(start) == ' ' || text.charAt(start) == '\t' || text.charAt(start) == '\uFEFF')) {
            start++;
        }
        if (start == end) {
            return ParseResult.invalid(null, "empty line");
        }
        final String trimmed = start == 0 && end == text.length() ? text : text.substring(start, end);
        line.reset(trimmed, context);
        if (trimmed.charAt(0) == '{') {
            final String problem = json.open(line, config.zone());
            final ParseResult document = document(json.document);
            if (document != null) {
                return document;
            }
            if (problem != null) {
                return ParseResult.invalid(null, problem);
            }
            line.body = line.body.strip();
            if (line.body.isEmpty()) {
                return ParseResult.invalid(null, "JSON envelope with an empty message");
            }
            if (line.body.charAt(0) == '{') {
                // a shipper that wrapped a JSON record (Event Hub / Filebeat with an Azure flow log record)
                final ParseResult inner = document(JsonEnvelope.read(line.body));
                if (inner != null) {
                    return inner;
                }
            }
        }
        for (int i = 0; i < line.body.length(); i++) {
            final char c = line.body.charAt(i);
            if (c < 0x20 && c != '\t') {
                return ParseResult.invalid(null, "control character 0x" + Integer.toHexString(c) + " at " + i
                        + ": two lines glued together, or binary data");
            }
        }
        final long envelopeTime = line.headerTimeMs;
        final String envelopeHost = line.host;
        line.headerTimeMs = Times.MISSING;
        line.host = null;
        syslog.strip(line, config.zone());
        if (line.headerTimeMs == Times.MISSING) {
            line.headerTimeMs = envelopeTime;
        }
        if (line.host == null) {
            line.host = envelopeHost;
        }
        return only == null ? detect() : forced(only);
    }

    /** A JSON object that is a flow log document or a PAN-OS record itself, not an envelope; null when it is neither. */
    private ParseResult document(final JsonNode root) {
        if (root == null) {
            return null;
        }
        if ((only == null || only.equals(AzureNsgParser.FORMAT)) && AzureNsgParser.matches(root)) {
            many = nsg.parse(root, line);
            return many.get(0);
        }
        // a shipper's envelope (a message field) with a "type" of its own is not a PAN-OS record
        if ((only == null || only.equals(PaloAltoParser.FORMAT)) && !root.has("message") && !root.has("MESSAGE") && !root.has("log")
                && PaloAltoParser.matchesJson(root)) {
            return paloalto.json(root, line);
        }
        return null;
    }

    private ParseResult detect() {
        final String s = line.body;
        if (CheckPointParser.matches(line)) {
            return checkpoint.parse(line);
        }
        if (s.indexOf('|') >= 0) {
            final int cefStart = CefParser.start(s);
            if (cefStart >= 0 && !FortiGateParser.matches(s)) {
                return cef.parse(line, cefStart);
            }
            final int leefStart = LeefParser.start(s);
            if (leefStart >= 0) {
                return leef.parse(line, leefStart);
            }
        }
        if ("filterlog".equals(line.tag)) {
            return filterlog.parse(line, 0);
        }
        final int csv = FilterlogParser.csvStart(s);
        if (csv >= 0) {
            return filterlog.parse(line, csv);
        }
        if (FilterlogParser.bareCsv(s)) {
            return filterlog.parse(line, 0);
        }
        if (NetfilterParser.fieldsStart(s) >= 0) {
            return netfilter.parse(line);
        }
        if (CiscoAsaParser.tagged(s)) {
            return asa.parse(line);
        }
        if (JuniperSrxParser.matches(line)) {
            return juniper.parse(line);
        }
        // before FortiGate, whose test log_type=/log_subtype=/log_id= would pass
        if (SophosParser.matches(s)) {
            return sophos.parse(line);
        }
        if (FortiGateParser.matches(s)) {
            return fortigate.parse(line);
        }
        if (PaloAltoParser.matches(s)) {
            return paloalto.parse(line);
        }
        if (WindowsFirewallParser.matches(s)) {
            return windows.parse(line);
        }
        if (vpc.matches(line)) {
            return vpc.parse(line);
        }
        if (CiscoAsaParser.untaggedText(s)) {
            return asa.parse(line);
        }
        if (s.contains("SRC=") && s.contains("DST=")) {
            return ParseResult.invalid(NetfilterParser.FORMAT, "netfilter-like line without IN= (damaged or not a LOG/NFLOG line)");
        }
        if (s.startsWith("%") && s.indexOf(':') > 0) {
            return ParseResult.skipped(null, "Cisco IOS message " + Events.quote(s, 0, s.indexOf(':')) + ": not a firewall connection event");
        }
        if (line.enveloped && line.tag != null) {
            return ParseResult.skipped(null, "message from " + Events.quote(line.tag) + " is not a firewall connection event");
        }
        if (line.enveloped && s.isEmpty()) {
            return ParseResult.invalid(null, "syslog header without a message (truncated?)");
        }
        return ParseResult.invalid(null, "unknown format: " + Events.quote(s, 0, s.length()));
    }

    private ParseResult forced(final String format) {
        final String s = line.body;
        return switch (format) {
            case NetfilterParser.FORMAT -> netfilter.parse(line);
            case FilterlogParser.FORMAT -> {
                final int csv = FilterlogParser.csvStart(s);
                if (csv < 0 && !"filterlog".equals(line.tag) && !FilterlogParser.bareCsv(s)) {
                    yield line.tag != null ? ParseResult.skipped(FilterlogParser.FORMAT, "message from " + Events.quote(line.tag)
                            + " is not filterlog") : ParseResult.invalid(FilterlogParser.FORMAT, "not a filterlog line");
                }
                yield filterlog.parse(line, Math.max(csv, 0));
            }
            case AwsVpcFlowParser.FORMAT -> vpc.parse(line);
            case CiscoAsaParser.FORMAT -> asa.parse(line);
            case FortiGateParser.FORMAT -> fortigate.parse(line);
            case PaloAltoParser.FORMAT -> paloalto.parse(line);
            case JuniperSrxParser.FORMAT -> juniper.parse(line);
            case SophosParser.FORMAT -> sophos.parse(line);
            case CheckPointParser.FORMAT -> checkpoint.parse(line);
            case WindowsFirewallParser.FORMAT -> windows.parse(line);
            case CefParser.FORMAT -> CefParser.start(s) < 0 ? ParseResult.invalid(CefParser.FORMAT, "no CEF:<version>| header")
                    : cef.parse(line, CefParser.start(s));
            case LeefParser.FORMAT -> LeefParser.start(s) < 0 ? ParseResult.invalid(LeefParser.FORMAT, "no LEEF:<version>| header")
                    : leef.parse(line, LeefParser.start(s));
            case AzureNsgParser.FORMAT -> ParseResult.invalid(AzureNsgParser.FORMAT, "not an Azure flow log JSON document");
            default -> ParseResult.invalid(null, "unknown format " + Events.quote(format));
        };
    }
}
