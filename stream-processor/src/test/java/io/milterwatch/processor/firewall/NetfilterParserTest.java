package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

class NetfilterParserTest {

    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    private static final String MAC = "MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00";
    private static final String TCP_SYN = "LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";

    private final FirewallParser parser = new FirewallParser();

    private ParseResult parse(final String line) {
        return parser.parse(line, LineContext.at(INGEST));
    }

    private FirewallEvent event(final String line) {
        final ParseResult result = parse(line);
        assertThat(result.status()).as(result.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(result.format()).isEqualTo("netfilter");
        return result.event();
    }

    @Test
    void shouldReadUfwBlockAsDropWhenTheKernelLogsIt() {
        // given
        final String line = "Nov 28 09:59:01 mail kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= " + MAC
                + " SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;

        // when
        final FirewallEvent e = event(line);

        // then
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRawAction()).isEqualTo("[UFW BLOCK]");
        assertThat(e.getRule()).isEqualTo("[UFW BLOCK]");
        assertThat(e.getProtocol()).isEqualTo("tcp");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getDirection()).isEqualTo("IN");
        assertThat(e.getDevice()).isEqualTo("mail");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T09:59:01Z"));
    }

    @Test
    void shouldCountAnAuditAndAllowPairOnceWhenUfwLogsBoth() {
        // given
        final String tail = " IN=eth0 OUT= " + MAC + " SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;

        // when
        final ParseResult audit = parse("Nov 28 09:59:01 mail kernel: [12345.6] [UFW AUDIT]" + tail);
        final ParseResult allow = parse("Nov 28 09:59:01 mail kernel: [12345.6] [UFW ALLOW]" + tail);

        // then
        assertThat(audit.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(audit.reason()).contains("AUDIT");
        assertThat(allow.status()).isEqualTo(ParseStatus.EVENT);
        assertThat(allow.event().getAction()).isEqualTo(FirewallAction.ALLOW);
    }

    @Test
    void shouldMapUfwLimitBlockAndAuditInvalidWhenTheyAppear() {
        assertThat(event("[UFW LIMIT BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN).getAction())
                .isEqualTo(FirewallAction.DROP);
        assertThat(parse("[UFW AUDIT INVALID] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN).status())
                .isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldReadFirewalldPrefixesWhenQuotedOrNot() {
        final String tail = "IN=eth0 OUT= " + MAC + " SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;
        assertThat(event("kernel: filter_IN_public_REJECT: " + tail).getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(event("kernel: filter_IN_public_DROP: " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("kernel: FINAL_REJECT: " + tail).getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(event("kernel: STATE_INVALID_DROP: " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("kernel: rpfilter_DROP: " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        final FirewallEvent quoted = event("Nov 28 09:59:01 host kernel: \"filter_IN_public_REJECT: \"" + tail);
        assertThat(quoted.getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(quoted.getRule()).isEqualTo("filter_IN_public_REJECT");
    }

    @Test
    void shouldKeepThePrefixWhenUlogdWritesItRightAfterTheHost() {
        // LOGEMU: "Mmm dd HH:MM:SS host PREFIX IN=..." with no program name
        final String tail = "IN=veth0 OUT= SRC=10.250.1.1 DST=10.250.1.2 " + TCP_SYN;
        final FirewallEvent firewalld = event("Nov 28 09:59:01 mail filter_IN_public_REJECT: " + tail);
        assertThat(firewalld.getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(firewalld.getDevice()).isEqualTo("mail");
        assertThat(event("Nov 28 09:59:01 DROP_INPUT: " + tail).getRule()).isEqualTo("DROP_INPUT");
        assertThat(event("Nov 28 09:59:01 mail [UFW BLOCK] " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        // but "kernel:" right before IN= is the program of a line logged without a prefix
        final FirewallEvent bare = event("Nov 28 09:59:01 mail kernel: " + tail);
        assertThat(bare.getRule()).isNull();
        assertThat(bare.getAction()).isEqualTo(FirewallAction.UNKNOWN);
        assertThat(bare.getDevice()).isEqualTo("mail");
    }

    @Test
    void shouldReadHandWrittenPrefixesWhenGluedToInOrUnknown() {
        final String tail = "IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;
        assertThat(event("DROP_INPUT:" + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("DROP_INPUT:" + tail).getRule()).isEqualTo("DROP_INPUT");
        assertThat(event("IPTABLES-DROP: " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("DENY: " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("INTERNET SPOOFING DROP " + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("ACCEPT " + tail).getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(event("[WAN_OUT-2000-A]" + tail).getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(event("[WAN_IN-3000-D]" + tail).getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(event("mailwatch: " + tail).getAction()).isEqualTo(FirewallAction.UNKNOWN);
        assertThat(event(tail).getAction()).isEqualTo(FirewallAction.UNKNOWN);
        assertThat(event(tail).getRule()).isNull();
        // words that disagree: no guess
        assertThat(event("ACCEPT-OR-DROP " + tail).getAction()).isEqualTo(FirewallAction.UNKNOWN);
    }

    @Test
    void shouldApplyUserPrefixRulesBeforeBuiltInOnesWhenConfigured() {
        // given
        final FirewallParser custom = new FirewallParser(FirewallParserConfig.defaults().withPrefixRules("MW-IN=ALLOW, drop_input=REJECT"));
        final String tail = "IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;

        // when
        final ParseResult mine = custom.parse("MW-IN " + tail, LineContext.at(INGEST));
        final ParseResult overridden = custom.parse("DROP_INPUT: " + tail, LineContext.at(INGEST));

        // then
        assertThat(mine.event().getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(overridden.event().getAction()).isEqualTo(FirewallAction.REJECT);
    }

    @Test
    void shouldNotTakeTheQuotedPacketsFieldsWhenAnIcmpErrorQuotesIt() {
        // when
        final FirewallEvent e = event("[UFW BLOCK] IN=eth0 OUT= " + MAC + " SRC=198.51.100.1 DST=192.0.2.25 LEN=88 TOS=0x00 "
                + "PREC=0xC0 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.25 DST=198.51.100.1 LEN=60 TOS=0x00 PREC=0x00 TTL=63 "
                + "ID=2 DF PROTO=TCP SPT=8891 DPT=51515 WINDOW=0 RES=0x00 ACK RST URGP=0 ] ");

        // then
        assertThat(e.getProtocol()).isEqualTo("icmp");
        assertThat(e.getSrcIp()).isEqualTo("198.51.100.1");
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getSrcPort()).isNull();
        assertThat(e.getDstPort()).isNull();
    }

    @Test
    void shouldCompressIpv6WhenTheKernelPrintsItInFull() {
        // when
        final FirewallEvent e = event("2026-11-28T09:59:01.123456+01:00 mail kernel: [UFW BLOCK] IN=eth0 OUT= " + MAC
                + " SRC=2001:0db8:0000:0000:0000:0000:0000:0007 DST=2001:0db8:0000:0000:0000:0000:0000:0025 LEN=80 TC=0 HOPLIMIT=57 "
                + "FLOWLBL=0 PROTO=TCP SPT=51515 DPT=8891 WINDOW=64800 RES=0x00 SYN URGP=0");

        // then
        assertThat(e.getSrcIp()).isEqualTo("2001:db8::7");
        assertThat(e.getDstIp()).isEqualTo("2001:db8::25");
        assertThat(e.getDevice()).isEqualTo("mail");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T08:59:01.123Z"));
    }

    @Test
    void shouldReadIcmpv6AndEspWithoutPortsWhenTheyHaveNone() {
        final FirewallEvent icmp6 = event("[UFW BLOCK] IN=eth0 OUT= SRC=fe80:0000:0000:0000:0000:0000:0000:0001 DST=ff02:0000:0000:0000:"
                + "0000:0000:0000:0001 LEN=72 TC=0 HOPLIMIT=1 FLOWLBL=0 PROTO=ICMPv6 TYPE=130 CODE=0");
        assertThat(icmp6.getProtocol()).isEqualTo("icmpv6");
        assertThat(icmp6.getSrcIp()).isEqualTo("fe80::1");
        assertThat(icmp6.getDstPort()).isNull();
        final FirewallEvent esp = event("DROP IN=eth0 OUT= SRC=198.51.100.1 DST=192.0.2.25 LEN=120 TOS=0x00 PREC=0x00 TTL=60 ID=7 "
                + "PROTO=ESP SPI=0x1234");
        assertThat(esp.getProtocol()).isEqualTo("esp");
    }

    @Test
    void shouldReadDirectionWhenInAndOutAreSetOrNot() {
        assertThat(event("IN= OUT=eth0 SRC=192.0.2.25 DST=203.0.113.7 " + TCP_SYN).getDirection()).isEqualTo("OUT");
        assertThat(event("IN=eth1 OUT=eth0 SRC=192.0.2.25 DST=203.0.113.7 " + TCP_SYN).getDirection()).isEqualTo("FORWARD");
    }

    @Test
    void shouldRejectTheLineWhenItIsTruncatedOrAFragment() {
        final String full = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= " + MAC + " SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN;
        assertThat(parse(full.substring(0, full.indexOf("DST=") + 6)).status()).isEqualTo(ParseStatus.INVALID);
        assertThat(parse(full.substring(0, full.indexOf("DPT=") + 6)).reason()).contains("truncated");
        assertThat(parse(full.substring(0, full.indexOf(" SRC="))).reason()).contains("SRC=");
        // the second half of a wrapped line
        assertThat(parse("TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0").status())
                .isEqualTo(ParseStatus.INVALID);
        assertThat(parse("IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.999 " + TCP_SYN).reason()).contains("DST=");
        assertThat(parse("IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 PROTO=TCP SPT=1 DPT=70000 WINDOW=1 URGP=0").reason())
                .contains("65535");
    }

    @Test
    void shouldSkipTheLineWhenItLogsAnArpPacket() {
        final ParseResult r = parse("Nov 28 09:59:01 mail kernel: DROP IN=eth0 OUT= ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 "
                + "MACSRC=52:54:00:12:34:56 IPSRC=192.0.2.1 MACDST=00:00:00:00:00:00 IPDST=192.0.2.25");
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.reason()).contains("ARP");
    }

    @Test
    void shouldSkipTheLineWhenItIsANonFirstFragment() {
        final ParseResult r = parse("DROP IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=1500 TOS=0x00 PREC=0x00 TTL=52 ID=4242 "
                + "FRAG:185 PROTO=UDP");
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.reason()).contains("fragment");
    }

    @Test
    void shouldTakeTheIngestTimeWhenTheLineIsInDmesgFormWithoutAClock() {
        final FirewallEvent e = event("[ 1234.567890] [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN);
        assertThat(e.getTimestampMs()).isEqualTo(INGEST);
        assertThat(e.getRawAction()).isEqualTo("[UFW BLOCK]");
    }

    @Test
    void shouldTakeTheClockWhenDmesgPrintsItInHumanForm() {
        final FirewallEvent e = event("[Thu Mar  5 14:22:11 2026] [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN);
        assertThat(e.getTimestampMs()).isEqualTo(Instant.parse("2026-03-05T14:22:11Z").toEpochMilli());
        assertThat(e.getRule()).isEqualTo("[UFW BLOCK]");
    }

    @Test
    void shouldBoundTheKeptLineWhenTheLineIsLong() {
        // given
        final FirewallParser small = new FirewallParser(new FirewallParserConfig(java.time.ZoneOffset.UTC, null, null, 100, "auto"));
        final String line = "[UFW BLOCK] IN=eth0 OUT= " + MAC + " SRC=203.0.113.7 DST=192.0.2.25 " + TCP_SYN + " MARK=0x1".repeat(50);

        // when
        final ParseResult r = small.parse(line, LineContext.at(INGEST));

        // then
        assertThat(r.event().getLine()).hasSize(100).isEqualTo(line.substring(0, 100));
    }
}
