package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

/**
 * The variants of issue 14 that the real-line corpus does not cover, written from the vendors' documented
 * grammars (Cisco's syslog message catalogue and ASA port-name table, FortiOS's log reference and
 * {@code format csv}, pfSense's raw filter log format, the kernel's LOG target) with documentation addresses.
 */
class VendorVariantsTest {

    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    private final FirewallParser parser = new FirewallParser();

    private ParseResult parse(final String line) {
        return parser.parse(line, LineContext.at(INGEST));
    }

    private FirewallEvent event(final String line) {
        final ParseResult r = parse(line);
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        return r.event();
    }

    @Test
    void shouldReadAsaLiteralPortNamesWhenTheDevicePrintsThemInsteadOfNumbers() {
        final FirewallEvent ssh = event("%ASA-3-710003: TCP access denied by ACL from 203.0.113.7/51515 to outside:192.0.2.1/ssh");
        assertThat(ssh.getDstPort()).isEqualTo(22);
        assertThat(ssh.getAction()).isEqualTo(FirewallAction.DROP);
        final FirewallEvent snmp = event("%ASA-4-106023: Deny udp src outside:198.51.100.7/snmptrap dst inside:192.0.2.1/snmp "
                + "by access-group \"outside_in\" [0x0, 0x0]");
        assertThat(snmp.getSrcPort()).isEqualTo(162);
        assertThat(snmp.getDstPort()).isEqualTo(161);
        assertThat(event("%ASA-7-710005: UDP request discarded from 198.51.100.7/49152 to outside:192.0.2.1/isakmp").getDstPort())
                .isEqualTo(500);
        assertThat(parse("%ASA-3-710003: TCP access denied by ACL from 203.0.113.7/51515 to outside:192.0.2.1/nosuchport").reason())
                .contains("nosuchport");
    }

    @Test
    void shouldReadTheCataloguesDropMessagesWhenTheDeviceDroppedAPacketOrConnection() {
        final FirewallEvent esmtp = event("%ASA-4-108004: ESMTP Classification: Dropped connection for ESMTP Request from "
                + "inside:192.0.2.7/49536 to outside:198.51.100.25/25; matched Class 4: header line length gt 998");
        assertThat(esmtp.getDstPort()).isEqualTo(25);
        assertThat(esmtp.getProtocol()).isEqualTo("tcp");
        assertThat(esmtp.getAction()).isEqualTo(FirewallAction.DROP);
        final FirewallEvent dns = event("%ASA-4-410001: Dropped UDP DNS request from outside:198.51.100.7/46951 to dmz:192.0.2.53/53; "
                + "label length 46 bytes exceeds remaining packet length limit of 17 bytes");
        assertThat(dns.getDstIp()).isEqualTo("192.0.2.53");
        assertThat(dns.getDstPort()).isEqualTo(53);
        assertThat(event("%ASA-4-434002: SFR requested to drop TCP packet from outside:198.51.100.7/51115 to dmz:192.0.2.25/8891")
                .getDstPort()).isEqualTo(8891);
        assertThat(event("%ASA-7-710004: TCP connection limit exceeded from 198.51.100.7/11 to outside:192.0.2.2/22 (current "
                + "connections/connection limit = 11/10)").getAction()).isEqualTo(FirewallAction.DROP);
        final FirewallEvent shun = event("%ASA-4-401004: Shunned packet: 198.51.100.7 = 192.0.2.2 on interface outside");
        assertThat(shun.getSrcIp()).isEqualTo("198.51.100.7");
        assertThat(shun.getDstIp()).isEqualTo("192.0.2.2");
        // A flow the device let through without inspection is no decision to drop it.
        assertThat(parse("%ASA-3-421007: UDP flow from inside:192.0.2.7/60803 to outside:198.51.100.8/53 is skipped because "
                + "application has failed").status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldDropTheIdentityWhenAnEndpointCarriesAUserInBrackets() {
        final FirewallEvent e = event("%ASA-4-106023: Deny tcp src outside:192.0.2.2/1(DOMAIN\\user) dst inside:192.0.2.25/8891"
                + "(DOMAIN\\other) by access-group \"outside_in\" [0x0, 0x0]");
        assertThat(e.getSrcIp()).isEqualTo("192.0.2.2");
        assertThat(e.getSrcPort()).isEqualTo(1);
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getRule()).isEqualTo("outside_in");
        final FirewallEvent acl = event("%ASA-6-106100: access-list in permitted tcp outside/192.0.2.2(1)(DOMAIN\\user) -> "
                + "inside/192.0.2.25(8891) hit-cnt 1 first hit [0x1, 0x0]");
        assertThat(acl.getSrcPort()).isEqualTo(1);
        assertThat(acl.getDstIp()).isEqualTo("192.0.2.25");
    }

    @Test
    void shouldGiveBothMessagesOfOneConnectionTheSameIdWhenAsaOrFtdLogsItTwice() {
        final ParseResult built = parse("%ASA-6-302015: Built outbound UDP connection 77 for outside:198.51.100.53/53 "
                + "(198.51.100.53/53) to inside:192.0.2.25/40000 (203.0.113.25/40000)");
        final ParseResult teardown = parse("%ASA-6-302016: Teardown UDP connection 77 for outside:198.51.100.53/53 to "
                + "inside:192.0.2.25/40000 duration 0:00:00 bytes 120");
        assertThat(built.connectionId()).isEqualTo("77").isEqualTo(teardown.connectionId());
        assertThat(teardown.event().getDstIp()).isEqualTo(built.event().getDstIp()).isEqualTo("198.51.100.53");
        assertThat(teardown.event().getDstPort()).isEqualTo(53);
        assertThat(teardown.reason()).startsWith("teardown only");
        final String ftd = "AccessControlRuleAction: Allow, SrcIP: 192.0.2.25, DstIP: 198.51.100.25, SrcPort: 40000, DstPort: 8891, "
                + "Protocol: tcp, IngressInterface: inside, AccessControlRuleName: r1, InitiatorPackets: 1";
        final ParseResult start = parse("%FTD-1-430002: " + ftd);
        final ParseResult end = parse("%FTD-1-430003: " + ftd + ", ConnectionDuration: 3");
        assertThat(start.connectionId()).isNotNull().isEqualTo(end.connectionId());
        assertThat(start.event().getDstPort()).isEqualTo(8891);
        assertThat(start.event().getRule()).isEqualTo("r1");
        assertThat(parse("%FTD-1-430003: ConnectionID: 4711, " + ftd).connectionId()).isEqualTo("4711");
        assertThat(parse("%FTD-1-430002: AccessControlRuleAction: Block, SrcIP: 192.0.2.25, DstIP: 198.51.100.25, Protocol: tcp")
                .reason()).contains("SrcPort");
        // Lines that name no connection id (denies, ACL hits) are counted per line.
        assertThat(parse("%ASA-4-106023: Deny tcp src outside:198.51.100.7/1 dst inside:192.0.2.1/25 by access-group \"a\"")
                .connectionId()).isNull();
    }

    @Test
    void shouldReadFortiGateCsvFormatWhenPairsAreSeparatedByCommas() {
        final FirewallEvent e = event("date=2024-03-05,time=15:22:11,devname=\"FGT60F\",devid=\"FGT60FTK21\",logid=\"0000000013\","
                + "type=\"traffic\",subtype=\"forward\",level=\"notice\",srcip=203.0.113.7,srcport=51515,dstip=192.0.2.25,"
                + "dstport=8891,proto=6,action=\"deny\",policyid=7,policyname=\"block, then log\",service=\"tcp/8891\"");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("block, then log");
        assertThat(e.getDevice()).isEqualTo("FGT60F");
    }

    @Test
    void shouldReadFortiGateLinesWhenEveryValueIsQuotedOrAddressesAreIpv6Fields() {
        final FirewallEvent quoted = event("date=\"2024-03-05\" time=\"15:22:11\" devname=\"FGT60F\" logid=\"0000000013\" type=\"traffic\" "
                + "subtype=\"local\" srcip=\"203.0.113.7\" srcport=\"51515\" dstip=\"192.0.2.25\" dstport=\"8891\" proto=\"6\" "
                + "action=\"accept\" policyid=\"0\"");
        assertThat(quoted.getDstPort()).isEqualTo(8891);
        assertThat(quoted.getDirection()).isEqualTo("IN");
        final FirewallEvent v6 = event("date=2024-03-05 time=15:22:11 devname=\"FGT60F\" logid=\"0000000013\" type=\"traffic\" "
                + "subtype=\"forward\" srcip6=2001:db8:0:0:0:0:0:7 srcport=51515 dstip6=2001:db8::25 dstport=8891 proto=6 action=\"deny\"");
        assertThat(v6.getSrcIp()).isEqualTo("2001:db8::7");
        assertThat(v6.getDstIp()).isEqualTo("2001:db8::25");
    }

    @Test
    void shouldTakeFortiGatesDecisionFromStatusOrUtmactionWhenActionIsAbsent() {
        final FirewallEvent old = event("date=2012-08-12 time=10:00:00 "
                + "type=traffic subtype=violation status=deny src=192.0.2.49 dst=198.51.100.56 src_port=4135 dst_port=443 proto=6");
        assertThat(old.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(old.getRawAction()).isEqualTo("deny");
        assertThat(old.getSrcIp()).isEqualTo("192.0.2.49");
        assertThat(old.getDstPort()).isEqualTo(443);
        final ParseResult noPorts = parse("date=2011-07-24 time=10:13:03 devname=FG100A device_id=FG100A3907500000 log_id=0038016004 "
                + "type=traffic subtype=other status=deny src=198.51.100.3 dst=192.0.2.4 proto=6 service=tcp");
        assertThat(noPorts.event().getDstPort()).isNull();
        assertThat(noPorts.reason()).contains("no ports");
        final FirewallEvent utm = event("date=2024-03-05 time=15:22:11 devname=\"FGT60F\" logid=\"0000000013\" type=\"traffic\" "
                + "subtype=\"forward\" srcip=203.0.113.7 srcport=51515 dstip=192.0.2.25 dstport=8891 proto=6 utmaction=\"block\"");
        assertThat(utm.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(parse("date=2024-03-05 time=15:22:11 devname=\"FGT60F\" logid=\"0000000013\" type=\"traffic\" srcip=203.0.113.7 "
                + "srcport=51515 dstip=192.0.2.25 dstport=8891 proto=6").reason()).contains("action=");
    }

    @Test
    void shouldReadFilterlogWhenItIsBareOrCarpOrIcmpv6() {
        final FirewallEvent bare = event("5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.7,192.0.2.25,51515,8891,"
                + "0,S,1,,64240,,mss");
        assertThat(bare.getDstPort()).isEqualTo(8891);
        assertThat(bare.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(bare.getFormat()).isEqualTo("pfsense");
        assertThat(bare.getRule()).isEqualTo("1000000103");
        // OPNsense writes the label "0" when it could not read the rule labels: the rule number is all there is.
        assertThat(event("12,,,0,em0,match,block,in,4,0x0,,64,0,0,DF,17,udp,60,203.0.113.7,192.0.2.25,51515,8891,40").getRule())
                .isEqualTo("12");
        final FirewallEvent carp = event("<134>Nov 28 09:59:01 fw filterlog[123]: 48,16777216,,1000000201,em0,match,pass,in,4,0x10,,255,"
                + "5365,0,DF,112,carp,56,192.0.2.11,224.0.0.18,advertise,255,1,2,0,1");
        assertThat(carp.getProtocol()).isEqualTo("vrrp");
        assertThat(carp.getDstIp()).isEqualTo("224.0.0.18");
        assertThat(carp.getDstPort()).isNull();
        final FirewallEvent carp6 = event("<134>Nov 28 09:59:01 fw filterlog[123]: 48,16777216,,1000000201,em0,match,pass,in,6,0x00,0x00000,"
                + "255,VRRP,112,36,fe80::1,ff02::12,");
        assertThat(carp6.getProtocol()).isEqualTo("vrrp");
        final FirewallEvent icmp6 = event("<134>Nov 28 09:59:01 fw filterlog[123]: 6,,,1000000105,igb1,match,block,in,6,0x00,0x00000,255,"
                + "ICMPv6,58,32,2001:db8::7,2001:db8::25,");
        assertThat(icmp6.getProtocol()).isEqualTo("icmpv6");
        // MLD reports: a hop-by-hop options header (protocol 0) comes first.
        final FirewallEvent mld = event("<134>Nov 28 09:59:01 fw filterlog[123]: 8,,,1000000107,igb0,match,block,in,6,0x00,0x00000,1,"
                + "Options,0,32,fe80::1,ff02::16,HBH,PADN,RTALERT 0x0000,");
        assertThat(mld.getProtocol()).isEqualTo("hopopt");
        assertThat(mld.getDstIp()).isEqualTo("ff02::16");
        assertThat(parse("5,,,1000000103,igb0,match,block,in,4,0x0,,64").reason()).contains("truncated");
        // Digits and commas alone are not filterlog.
        assertThat(FilterlogParser.bareCsv("1,2,3,4,5,6,7,8,9,10")).isFalse();
    }

    @Test
    void shouldMakeATruncatedNetfilterLineAnEventWhenItsPortsAreWhole() {
        final String head = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                + "SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891";
        final ParseResult cut = parse(head + " WIND");
        assertThat(cut.status()).isEqualTo(ParseStatus.EVENT);
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.reason()).startsWith("truncated");
        assertThat(cut.event().getDstPort()).isEqualTo(8891);
        assertThat(cut.event().getAction()).isEqualTo(FirewallAction.DROP);
        // Ending at DPT=, the port may have lost digits ("DPT=88" of 8891): not an event.
        final ParseResult atPort = parse(head);
        assertThat(atPort.status()).isEqualTo(ParseStatus.INVALID);
        assertThat(atPort.reason()).contains("truncated");
        final ParseResult whole = parse(head + " WINDOW=64240 RES=0x00 SYN URGP=0");
        assertThat(whole.truncated()).isFalse();
        assertThat(whole.reason()).isNull();
    }
}
