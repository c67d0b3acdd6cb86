package io.milterwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.FirewallParserConfig;
import io.milterwatch.processor.firewall.LineContext;
import io.milterwatch.processor.firewall.ParseResult;
import io.milterwatch.schema.FirewallEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Parses firewall log lines offline and prints what the stream processor would make of each. */
@Command(name = "parse-firewall", mixinStandardHelpOptions = true,
        description = "Parse firewall log lines (FILE, or stdin) and print one JSON object per line: status EVENT, SKIPPED or INVALID.",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch parse-firewall /var/log/ufw.log",
                "  journalctl -k -o short-iso | milterwatch parse-firewall --prefix-actions 'MAILFW-OK=ALLOW,MAILFW-NO=DROP'",
                "  milterwatch parse-firewall --format fortigate --zone Europe/Berlin fortigate.log"})
final class ParseFirewallCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--format", paramLabel = "auto|NAME", defaultValue = "auto",
            description = "auto (detect per line, default) or one of: netfilter, pfsense, aws-vpc, cisco-asa, fortigate, paloalto, "
                    + "juniper-srx, windows-firewall, cef, leef, azure-nsg, sophos, checkpoint")
    String format;

    @Option(names = "--zone", paramLabel = "ZONE", defaultValue = "UTC", description = "Zone of times written without one (default ${DEFAULT-VALUE})")
    String zone;

    @Option(names = "--prefix-actions", paramLabel = "TEXT=ACTION[,...]", description = "Netfilter prefix rules before the built-in ones")
    String prefixActions;

    @Option(names = "--vpc-format", paramLabel = "FORMAT", description = "AWS VPC Flow Logs format string (default: the v2 default format)")
    String vpcFormat;

    @Option(names = "--max-line-bytes", paramLabel = "BYTES", defaultValue = "65536",
            description = "Longest line read (default ${DEFAULT-VALUE}); a longer one is answered INVALID and the rest of it skipped unread")
    int maxLineBytes;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Log file (default: standard input)")
    Path file;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        final FirewallParser parser = new FirewallParser(config());
        final PrintWriter out = spec.commandLine().getOut();
        final String source = file == null ? "stdin" : file.toString();
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("--max-line-bytes " + maxLineBytes + " is not a positive number of bytes");
        }
        try (BoundedLineReader reader = new BoundedLineReader(open(), maxLineBytes)) {
            BoundedLineReader.Line line;
            while ((line = reader.next()) != null) {
                if (line.tooLong()) {
                    out.println(toJson(ParseResult.invalid(null, "line longer than " + maxLineBytes
                            + " bytes (--max-line-bytes): not parsed, the rest of it skipped"), line.malformedUtf8()));
                } else {
                    // An Azure flow log document is one line and one output line per flow tuple.
                    for (final ParseResult result : parser.parseAll(line.text(), new LineContext(System.currentTimeMillis(), source, null))) {
                        out.println(toJson(result, line.malformedUtf8()));
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    private FirewallParserConfig config() {
        final ZoneId zoneId;
        try {
            zoneId = ZoneId.of(zone);
        } catch (final DateTimeException e) {
            throw new IllegalArgumentException("--zone '" + zone + "' is not a time zone id", e);
        }
        try {
            return FirewallParserConfig.defaults().withZone(zoneId).withPrefixRules(prefixActions).withVpcFormat(vpcFormat)
                    .withFormat(format);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private InputStream open() throws IOException {
        if (file == null) {
            return System.in;
        }
        try {
            return Files.newInputStream(file);
        } catch (final NoSuchFileException e) {
            throw new IllegalArgumentException("FILE '" + file + "' does not exist", e);
        }
    }

    /**
     * {"status", "format", "event": {timestamp, action, protocol, srcIp, srcPort, dstIp, dstPort, device, rule, direction}, "reason",
     * "malformedUtf8"}: the last true when the line held bytes that are not UTF-8, parsed with U+FFFD in their place.
     */
    static String toJson(final ParseResult result, final boolean malformedUtf8) throws JsonProcessingException {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", result.status().name());
        out.put("format", result.format());
        final FirewallEvent e = result.event();
        if (e == null) {
            out.put("event", null);
        } else {
            final Map<String, Object> event = new LinkedHashMap<>();
            event.put("timestamp", Instant.ofEpochMilli(e.getTimestampMs()).toString());
            event.put("action", e.getAction().name());
            event.put("protocol", e.getProtocol());
            event.put("srcIp", e.getSrcIp());
            event.put("srcPort", e.getSrcPort());
            event.put("dstIp", e.getDstIp());
            event.put("dstPort", e.getDstPort());
            event.put("device", e.getDevice());
            event.put("rule", e.getRule());
            event.put("direction", e.getDirection());
            out.put("event", event);
        }
        out.put("reason", result.reason());
        out.put("malformedUtf8", malformedUtf8);
        return JSON.writeValueAsString(out);
    }
}
