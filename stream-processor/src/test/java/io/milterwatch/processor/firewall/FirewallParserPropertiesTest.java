package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever arrives, the parser answers with exactly one of the three outcomes and never throws:
 * arbitrary text, and real lines of every format cut, spliced, or with characters replaced.
 */
class FirewallParserPropertiesTest {

    private static final List<String> SEEDS = List.of(
            "Nov 28 09:59:01 mail kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                    + "SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 "
                    + "WINDOW=64240 RES=0x00 SYN URGP=0",
            "0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: IN=vmbr0.94 MAC=24:8a:07:9a:2a:f2:24:8a:07:50:2c:9e:08:00 "
                    + "SRC=10.3.94.11 DST=10.3.94.12 LEN=52 TOS=0x00 PREC=0xC0 TTL=255 ID=64317 DF PROTO=UDP SPT=49152 DPT=3784 LEN=32",
            "<134>1 2025-11-06T11:42:14.270789+00:00 firewall.lan filterlog 92653 - - 621,,,1644355515,vtnet0.10,match,block,in,6,0x00,"
                    + "0x07c63,64,TCP,6,44,fdfd:ace:ace:10:d8:cdbf:f6f8:6d69,fdfd:ace:ace:5::6,65382,443,0,S,1927530165,,0,,mss",
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "<191>Aug  1 14:01:20 abc-asa1: %ASA-6-302013: Built outbound TCP connection 906569140 for out-v1101:10.125.126.86/2010 "
                    + "(10.125.126.86/2010) to ent-v1124:100.100.100.111/51444 (10.125.1.11/37785)",
            "%ASA-4-106023: Deny tcp src outside:2001:db8::7/51515 dst inside:2001:db8::25/8891 by access-group \"outside_in\"",
            "date=2024-03-05 time=15:22:11 devname=\"FGT\" eventtime=1709648531 logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" "
                    + "srcip=203.0.113.7 srcport=51515 dstip=192.0.2.25 dstport=8891 proto=6 action=\"deny\" policyid=0",
            "1,2024/03/05 14:22:11,013201001234,TRAFFIC,end,2561,2024/03/05 14:22:11,203.0.113.7,192.0.2.25,0.0.0.0,0.0.0.0,allow,,,smtp,"
                    + "vsys1,untrust,trust,ethernet1/1,ethernet1/2,default,2024/03/05 14:22:11,0,1,51515,8891,0,0,0x0,tcp,allow,1,2",
            "<14>Mar  5 14:22:11 srx RT_FLOW: RT_FLOW_SESSION_DENY: session denied 203.0.113.7/51515->192.0.2.25/8891 0x0 None 6(0) "
                    + "default-deny untrust trust UNKNOWN",
            "<14>1 2024-03-05T14:22:11.123+01:00 srx RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address=\"2001:db8::7\" "
                    + "source-port=\"51515\" destination-address=\"2001:db8::25\" destination-port=\"8891\" protocol-id=\"6\"] x",
            "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path",
            "2005-04-11 08:06:26 DROP TCP 123.45.78.90 123.156.78.90 80 1774 576 A 123456789 987654321 12345 - - - RECEIVE",
            "{\"@timestamp\":\"2026-11-28T09:59:01.250Z\",\"host\":{\"name\":\"edge-1\"},\"message\":\"DROP IN=eth0 OUT= SRC=1.2.3.4 "
                    + "DST=5.6.7.8 PROTO=TCP SPT=1 DPT=25 WINDOW=1\"}");

    private final FirewallParser parser = new FirewallParser();

    @Property(tries = 2000)
    void shouldGiveOneOutcomeWhenTheLineIsArbitraryText(@ForAll final String line) {
        assertOneOutcome(line);
    }

    @Property(tries = 3000)
    void shouldGiveOneOutcomeWhenARealLineIsMutated(@ForAll("mutatedLines") final String line) {
        assertOneOutcome(line);
    }

    @Property(tries = 1000)
    void shouldGiveOneOutcomeWhenTheLineIsMadeOfFieldSyntax(@ForAll("fieldSoup") final String line) {
        assertOneOutcome(line);
    }

    private void assertOneOutcome(final String line) {
        final ParseResult result = parser.parse(line, new LineContext(1_795_859_941_000L, "prop", null));
        assertThat(result).isNotNull();
        assertThat(result.status()).isIn(ParseStatus.EVENT, ParseStatus.SKIPPED, ParseStatus.INVALID);
        if (result.status() == ParseStatus.EVENT) {
            assertThat(result.event().getSrcIp()).isEqualTo(IpText.canonical(result.event().getSrcIp()));
            assertThat(result.event().getDstIp()).isEqualTo(IpText.canonical(result.event().getDstIp()));
            assertThat(result.event().getLine().length()).isLessThanOrEqualTo(parser.config().maxLineChars());
        } else {
            assertThat(result.reason()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> mutatedLines() {
        final Arbitrary<String> seed = Arbitraries.of(SEEDS);
        final Arbitrary<Integer> position = Arbitraries.integers().between(0, 400);
        final Arbitrary<String> insert = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(8),
                Arbitraries.of("=", " ", ",", "\"", "[", "]", "{", "}", ":", "::", "/", "->", "(", ")", "\\", "%", "<", ">", "-", "\t",
                        "\u0000", "\uFEFF", "99999999999999999999", "-1", "IN=", "SRC=", "DPT=", "PROTO=TCP", "#Fields: x"));
        final Arbitrary<Integer> mode = Arbitraries.integers().between(0, 3);
        return Combinators.combine(seed, position, insert, mode, position).as((s, at, text, m, cut) -> {
            final int i = Math.min(at, s.length());
            final int j = Math.min(cut, s.length());
            return switch (m) {
                case 0 -> s.substring(0, i); // truncated
                case 1 -> s.substring(0, i) + text + s.substring(i); // inserted
                case 2 -> s.substring(0, i) + text + s.substring(Math.min(s.length(), i + text.length() + 1)); // replaced
                default -> s.substring(Math.min(i, j), Math.max(i, j)); // a fragment from the middle
            };
        });
    }

    @Provide
    Arbitrary<String> fieldSoup() {
        final Arbitrary<String> token = Arbitraries.of("IN=eth0", "OUT=", "SRC=1.2.3.4", "DST=::1", "SRC=fe80::", "PROTO=TCP",
                "PROTO=UDP", "PROTO=ICMP", "SPT=1", "DPT=25", "DPT=", "LEN=1", "WINDOW=0", "[", "]", "filterlog:", "1,2,3,4", "%ASA-4-106023:",
                "Deny", "tcp", "src", "dst", "outside:1.2.3.4/5", "RT_FLOW_SESSION_CREATE", "source-address=\"", "type=traffic",
                "devname=x", "<13>", "1", "-", "Jan", "31", "23:59:59", "2026-02-30T25:61:61Z", "{\"message\":", "\"", ",", "#Fields:",
                "2026-11-28", "08:00:00", "DROP", "ALLOW");
        return token.list().ofMaxSize(30).map(l -> String.join(" ", l));
    }
}
