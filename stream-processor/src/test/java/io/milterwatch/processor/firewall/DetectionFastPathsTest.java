package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-written fast paths of detection and splitting answer exactly as the plain code they replaced (kept here
 * as the reference): FortiGate's substring test, the bare filterlog CSV test, the PAN-OS type test, the ASA bare
 * message id, Windows Firewall's split at runs of spaces and PAN-OS's CSV without quotes. Inputs: strings made of
 * the very tokens these tests look for, so that the interesting branches are reached, and arbitrary text.
 */
class DetectionFastPathsTest {

    private static final List<String> TOKENS = List.of("devname=", "devid=", "logid=", "log_id=", "device_id=", "type=", "subtype=",
            "vd=", "type=traffic", "type=\"traffic\"", "CEF:", "|Fortinet|", "|", "=", ",", " ", "  ", "\"", "\"\"", "0", "1", "42",
            "123456", "123456: ", "pass", "block", "match", "in", "out", "4", "6", "em0", "TRAFFIC", "THREAT", "AUDIT", "TRAFFICX",
            "2024/03/05 14:22:11", "2024-03-05T14:22:11", "x", "a b", ":", "-");

    private static final Pattern BARE_ID = Pattern.compile("^(\\d{6}): ");

    @Provide
    Arbitrary<String> tokenSoup() {
        return Arbitraries.of(TOKENS).list().ofMinSize(0).ofMaxSize(24).map(l -> String.join("", l));
    }

    @Property(tries = 5000)
    void shouldDetectFortiGateAsBeforeWhenTheLineIsMadeOfItsKeys(@ForAll("tokenSoup") final String s) {
        assertThat(FortiGateParser.matches(s)).as(s).isEqualTo(fortiGateBefore(s));
    }

    @Property(tries = 1000)
    void shouldDetectFortiGateAsBeforeWhenTheLineIsArbitrary(@ForAll final String s) {
        assertThat(FortiGateParser.matches(s)).as(s).isEqualTo(fortiGateBefore(s));
    }

    @Property(tries = 5000)
    void shouldDetectBareFilterlogAsBeforeWhenTheLineIsMadeOfCsvFields(@ForAll("filterlogSoup") final String s) {
        assertThat(FilterlogParser.bareCsv(s)).as(s).isEqualTo(bareCsvBefore(s));
    }

    @Provide
    Arbitrary<String> filterlogSoup() {
        final Arbitrary<String> field = Arbitraries.of("", "0", "53", "1000000102", "7a", "em0", "match", "pass", "block", "passed",
                "in", "out", "inn", "4", "6", "46", " ", "x y");
        return field.list().ofMinSize(1).ofMaxSize(12).map(l -> String.join(",", l)).flatMap(s -> Arbitraries.of(s, s + ",", s + ",x"));
    }

    @Property(tries = 5000)
    void shouldDetectPanOsAsBeforeWhenTheLineIsMadeOfCsvFields(@ForAll("panOsSoup") final String s) {
        assertThat(PaloAltoParser.matches(s)).as(s).isEqualTo(panOsBefore(s));
    }

    @Provide
    Arbitrary<String> panOsSoup() {
        final Arbitrary<String> field = Arbitraries.of("", "1", "2024/03/05 14:22:11", "2024-03-05T14:22:11.123Z", "013201001234",
                "TRAFFIC", "THREAT", "AUDIT", "IPTAG", "TRAFFI", "TRAFFICS", "traffic", "end", "x");
        return field.list().ofMinSize(1).ofMaxSize(8).map(l -> String.join(",", l));
    }

    @Property(tries = 2000)
    void shouldFindAsaBareIdAsTheRegexDoesWhenTheLineIsArbitrary(@ForAll("tokenSoup") final String s) {
        assertThat(CiscoAsaParser.bareId(s)).as(s).isEqualTo(BARE_ID.matcher(s).find());
        final String digits = "106023: " + s;
        assertThat(CiscoAsaParser.bareId(digits)).as(digits).isEqualTo(BARE_ID.matcher(digits).find());
    }

    @Property(tries = 5000)
    void shouldSplitWindowsLinesAsTheRegexDoesWhenSpacesRunAnywhere(@ForAll("spaces") final String s) {
        assertThat(Events.fields(s)).as("[" + s + "]").containsExactly(s.split(" +"));
    }

    @Provide
    Arbitrary<String> spaces() {
        return Arbitraries.of("", " ", "  ", "   ", "a", "DROP", "-", "\t", "2026-11-28").list().ofMaxSize(12).map(l -> String.join("", l));
    }

    @Property(tries = 5000)
    void shouldSplitPanOsCsvAsBeforeWhenFieldsAreQuotedOrNot(@ForAll("csvSoup") final String s) {
        assertThat(PaloAltoParser.csv(s)).as(s).containsExactlyElementsOf(csvBefore(s));
    }

    @Provide
    Arbitrary<String> csvSoup() {
        return Arbitraries.of("", ",", ",,", "\"", "\"\"", "a", "b c", "\"x,y\"", "1").list().ofMaxSize(12).map(l -> String.join("", l));
    }

    // ---- the code as it was before the fast paths (commit be6967c) ----

    private static boolean fortiGateBefore(final String s) {
        return (s.contains("devname=") || s.contains("devid=")) && (s.contains("logid=") || s.contains("type="))
                || (s.contains("logid=") || s.contains("log_id=") || s.contains("device_id=")) && s.contains("type=")
                        && (s.contains("subtype=") || s.contains("vd="))
                || (s.contains("type=traffic") || s.contains("type=\"traffic\"")) && s.contains("subtype=")
                || s.contains("CEF:") && s.contains("|Fortinet|");
    }

    private static boolean bareCsvBefore(final String s) {
        if (s.isEmpty() || s.charAt(0) < '0' || s.charAt(0) > '9') {
            return false;
        }
        int field = 0;
        int start = 0;
        for (int i = 0; i <= s.length() && field <= 8; i++) {
            if (i < s.length() && s.charAt(i) != ',') {
                continue;
            }
            if (i == s.length() && field < 9) {
                return false;
            }
            switch (field) {
                case 0 -> {
                    for (int k = start; k < i; k++) {
                        if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                            return false;
                        }
                    }
                }
                case 4 -> {
                    if (i == start) {
                        return false;
                    }
                }
                case 6 -> {
                    if (!(s.startsWith("pass", start) || s.startsWith("block", start) || s.startsWith("reject", start)
                            || s.startsWith("match", start) || s.startsWith("scrub", start) || s.startsWith("nat", start)
                            || s.startsWith("rdr", start) || s.startsWith("binat", start))) {
                        return false;
                    }
                }
                case 7 -> {
                    if (!(i - start == 2 && s.startsWith("in", start) || i - start == 3 && s.startsWith("out", start))) {
                        return false;
                    }
                }
                case 8 -> {
                    return i - start == 1 && (s.charAt(start) == '4' || s.charAt(start) == '6');
                }
                default -> {
                    // free text
                }
            }
            field++;
            start = i + 1;
        }
        return false;
    }

    private static final List<String> PAN_OS_TYPES = List.of("TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "GLOBALPROTECT", "USERID",
            "HIPMATCH", "AUTHENTICATION", "DECRYPTION", "CORRELATION", "TUNNEL", "GTP", "SCTP", "IPTAG", "AUDIT");

    private static boolean panOsBefore(final String s) {
        final int c1 = s.indexOf(',');
        if (c1 < 0 || c1 > 40) {
            return false;
        }
        final int time;
        if (isTime(s, 0)) {
            time = 0;
        } else if (c1 <= 12 && isTime(s, c1 + 1)) {
            time = c1 + 1;
        } else {
            return false;
        }
        final int c2 = s.indexOf(',', time);
        final int c3 = c2 < 0 ? -1 : s.indexOf(',', c2 + 1);
        if (c3 < 0) {
            return false;
        }
        final int c4 = s.indexOf(',', c3 + 1);
        final String type = c4 < 0 ? s.substring(c3 + 1) : s.substring(c3 + 1, c4);
        return PAN_OS_TYPES.contains(type);
    }

    private static boolean isTime(final String s, final int i) {
        if (i + 19 > s.length() || Times.digits(s, i, 4) < 0) {
            return false;
        }
        final char sep = s.charAt(i + 4);
        return (sep == '/' && s.charAt(i + 7) == '/' && s.charAt(i + 10) == ' '
                || sep == '-' && s.charAt(i + 7) == '-' && (s.charAt(i + 10) == 'T' || s.charAt(i + 10) == ' '))
                && s.charAt(i + 13) == ':' && s.charAt(i + 16) == ':';
    }

    private static List<String> csvBefore(final String s) {
        final List<String> out = new ArrayList<>(48);
        final StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        b.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    b.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString());
        return out;
    }

    @Example
    void shouldAnswerBothWaysWhenGivenLinesTheSoupsCanMake() {
        // the comparisons above are only worth something if each test can answer both ways on such input
        assertThat(Arrays.asList(FortiGateParser.matches("devname=x type=y"), FortiGateParser.matches("x=1"))).containsExactly(true, false);
        assertThat(Arrays.asList(FilterlogParser.bareCsv("53,,,1,em0,match,pass,in,4,"), FilterlogParser.bareCsv("53,,,1,em0,match,pass,in,4")))
                .containsExactly(true, false);
        assertThat(Arrays.asList(PaloAltoParser.matches("1,2024/03/05 14:22:11,0132,TRAFFIC,end"),
                PaloAltoParser.matches("1,2024/03/05 14:22:11,0132,TRAFFI,end"))).containsExactly(true, false);
    }
}
