package io.milterwatch.processor.firewall;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * How to read lines that do not say everything themselves.
 *
 * @param zone           the zone of times written without one (BSD syslog, Windows Firewall, PAN-OS, FortiGate without tz)
 * @param prefixRules    netfilter log prefix → action
 * @param vpcFormat      the AWS VPC Flow Logs format string ({@code ${version} ${account-id} ...}); null for the default v2 format
 * @param maxLineChars   the original line kept in an event is cut to this many characters
 * @param format         {@code auto} to detect each line's format, or one format name to accept only that one
 */
public record FirewallParserConfig(ZoneId zone, String prefixRules, String vpcFormat, int maxLineChars, String format) {

    /** Lines longer than this are rejected before any parsing: no firewall writes them. */
    public static final int MAX_INPUT_CHARS = 65_536;

    public FirewallParserConfig {
        Objects.requireNonNull(zone, "zone");
        if (maxLineChars < 64 || maxLineChars > MAX_INPUT_CHARS) {
            throw new IllegalArgumentException("maxLineChars " + maxLineChars + " is outside 64.." + MAX_INPUT_CHARS);
        }
        PrefixRules.parse(prefixRules); // fail fast on a bad rule
        if (vpcFormat != null) {
            AwsVpcFlowParser.columns(vpcFormat);
        }
        if (format == null) {
            format = "auto";
        }
        if (!format.equals("auto") && !FirewallParser.FORMATS.contains(format)) {
            throw new IllegalArgumentException("format '" + format + "' is not auto or one of " + FirewallParser.FORMATS);
        }
    }

    public static FirewallParserConfig defaults() {
        return new FirewallParserConfig(ZoneOffset.UTC, null, null, 2048, "auto");
    }

    public FirewallParserConfig withFormat(final String name) {
        return new FirewallParserConfig(zone, prefixRules, vpcFormat, maxLineChars, name);
    }

    public FirewallParserConfig withZone(final ZoneId z) {
        return new FirewallParserConfig(z, prefixRules, vpcFormat, maxLineChars, format);
    }

    public FirewallParserConfig withPrefixRules(final String rules) {
        return new FirewallParserConfig(zone, rules, vpcFormat, maxLineChars, format);
    }

    public FirewallParserConfig withVpcFormat(final String f) {
        return new FirewallParserConfig(zone, prefixRules, f, maxLineChars, format);
    }
}
