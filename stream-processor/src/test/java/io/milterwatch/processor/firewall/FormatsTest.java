package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

/** One test group per vendor format, with lines written after each vendor's published log format. */
class FormatsTest {

    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    private final FirewallParser parser = new FirewallParser();

    private ParseResult parse(final String line) {
        return parser.parse(line, new LineContext(INGEST, "stream-a", null));
    }

    private FirewallEvent event(final String line, final String format) {
        final ParseResult r = parse(line);
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(r.format()).isEqualTo(format);
        return r.event();
    }

    @Test
    void shouldReadFortiGateTrafficWhenActionIsDenyOrAccept() {
        // given
        final String deny = "date=2024-03-05 time=15:22:11 devname=\"FGT60F-HQ\" devid=\"FGT60FTK2109XXXX\" eventtime=1709648531123456789 "
                + "tz=\"+0100\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" "
                + "srcip=203.0.113.7 srcport=51515 srcintf=\"wan1\" srcintfrole=\"wan\" dstip=192.0.2.25 dstport=8891 "
                + "dstintf=\"internal\" dstintfrole=\"lan\" sessionid=1234567 proto=6 action=\"deny\" policyid=0 "
                + "policytype=\"policy\" service=\"tcp/8891\" trandisp=\"noop\" duration=0 sentbyte=0 rcvdbyte=0";
        final String close = "<189>date=2024-03-05 time=15:22:11 devname=FGT60F-HQ logid=0000000013 type=traffic subtype=local "
                + "srcip=203.0.113.7 srcport=51516 dstip=192.0.2.25 dstport=8891 proto=6 action=close policyid=12 tz=\"+0100\"";

        // when
        final FirewallEvent d = event(deny, "fortigate");
        final FirewallEvent c = event(close, "fortigate");

        // then
        assertThat(d.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(d.getDevice()).isEqualTo("FGT60F-HQ");
        assertThat(d.getRule()).isEqualTo("0");
        assertThat(d.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T14:22:11.123Z").toEpochMilli());
        assertThat(d.getDirection()).isEqualTo("FORWARD");
        assertThat(c.getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(c.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T14:22:11Z").toEpochMilli());
        assertThat(c.getDirection()).isEqualTo("IN");
    }

    @Test
    void shouldReadFortiGateCefWhenTheLogIsTraffic() {
        // given
        final String line = "<185>Mar  5 14:22:11 FGT CEF:0|Fortinet|Fortigate|v6.0.3|00013|traffic:forward deny|3|"
                + "deviceExternalId=FGT60FTK2109XXXX FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward "
                + "FTNTFGTeventtime=1709648531 src=203.0.113.7 spt=51515 deviceInboundInterface=wan1 dst=192.0.2.25 dpt=8891 "
                + "FTNTFGTpolicyid=7 proto=6 act=deny msg=a note with spaces and an escaped \\= sign";

        // when
        final FirewallEvent e = event(line, "fortigate");

        // then
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getRule()).isEqualTo("7");
        assertThat(e.getDevice()).isEqualTo("FGT60FTK2109XXXX");
        assertThat(e.getDirection()).isEqualTo("FORWARD");
        assertThat(e.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T14:22:11Z").toEpochMilli());
        final ParseResult login = parse("CEF:0|Fortinet|Fortigate|v6.0.3|32002|event:user login failed|5|deviceExternalId=FGT "
                + "cat=event:user act=login");
        assertThat(login.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(parse("CEF:0|Fortinet|Fortigate|v6.0.3").status()).isEqualTo(ParseStatus.INVALID);
    }

    @Test
    void shouldSkipFortiGateWhenTheLogIsNotTraffic() {
        final ParseResult r = parse("date=2024-03-05 time=15:22:11 devname=\"FGT\" logid=\"0101037141\" type=\"event\" subtype=\"vpn\" "
                + "action=\"tunnel-up\" remip=198.51.100.9");
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.reason()).contains("type=event");
    }

    @Test
    void shouldReadPanOsTrafficWhenSentBySyslog() {
        // given
        final String line = "<14>Mar  5 14:22:11 PA-3220 1,2024/03/05 14:22:11,013201001234,TRAFFIC,drop,2561,2024/03/05 14:22:11,"
                + "203.0.113.7,192.0.2.25,0.0.0.0,0.0.0.0,deny-milter,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,default,"
                + "2024/03/05 14:22:11,0,1,51515,8891,0,0,0x0,tcp,deny,60,60,0,1,2024/03/05 14:22:11,0,any,0,7012345,0x0,"
                + "203.0.0.0-203.255.255.255,192.168.0.0-192.168.255.255,0,1,0,policy-deny,0,0,0,0,,PA-3220,from-policy,,,0,,0,,N/A,0,0,0,0";
        final FirewallParser tokyo = new FirewallParser(FirewallParserConfig.defaults().withZone(ZoneId.of("Asia/Tokyo")));

        // when
        final ParseResult r = tokyo.parse(line, LineContext.at(INGEST));

        // then
        final FirewallEvent e = r.event();
        assertThat(e.getFormat()).isEqualTo("paloalto");
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("deny-milter");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getDevice()).isEqualTo("PA-3220");
        assertThat(e.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T05:22:11Z").toEpochMilli());
    }

    @Test
    void shouldMapPanOsActionsAndSkipOtherTypesWhenTheyAppear() {
        final String head = "1,2024/03/05 14:22:11,013201001234,TRAFFIC,end,2561,2024/03/05 14:22:11,203.0.113.7,192.0.2.25,0.0.0.0,"
                + "0.0.0.0,allow-mail,,,smtp,vsys1,untrust,trust,ethernet1/1,ethernet1/2,default,2024/03/05 14:22:11,0,1,51515,8891,0,0,"
                + "0x0,tcp,";
        assertThat(event(head + "allow,1,2,3", "paloalto").getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(event(head + "reset-both,1,2,3", "paloalto").getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(event(head + "allow,1,2,3", "paloalto").getDevice()).isEqualTo("013201001234");
        assertThat(parse(head.substring(0, 60)).status()).isEqualTo(ParseStatus.INVALID);
        assertThat(parse("1,2024/03/05 14:22:11,013201001234,SYSTEM,general,0,2024/03/05 14:22:11,,general,,0,0,general,informational,"
                + "\"User admin logged in\",1,0x0").status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldReadJuniperSessionsWhenPlainOrStructured() {
        // given
        final String create = "<14>Mar  5 14:22:11 srx-edge RT_FLOW: RT_FLOW_SESSION_CREATE: session created "
                + "203.0.113.7/51515->192.0.2.25/8891 0x0 junos-milter 203.0.113.7/51515->192.0.2.25/8891 0x0 N/A N/A N/A N/A 6 "
                + "allow-milter untrust trust 123456 N/A(N/A) ge-0/0/0.0 UNKNOWN UNKNOWN UNKNOWN N/A N/A -1 N/A N/A N/A Off root";
        final String deny = "<14>Mar  5 14:22:11 srx-edge RT_FLOW: RT_FLOW_SESSION_DENY: session denied 203.0.113.7/51515->192.0.2.25/8891 "
                + "0x0 None 6(0) default-deny untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No policy reject 5.0.0.0/0 N/A";
        final String structured = "<14>1 2024-03-05T14:22:11.123+01:00 srx-edge RT_FLOW - RT_FLOW_SESSION_CREATE "
                + "[junos@2636.1.1.1.2.129 source-address=\"2001:db8::7\" source-port=\"51515\" destination-address=\"2001:db8:0:0:0:0:0:25\" "
                + "destination-port=\"8891\" connection-tag=\"0\" service-name=\"None\" protocol-id=\"6\" policy-name=\"allow-milter\" "
                + "source-zone-name=\"untrust\" destination-zone-name=\"trust\" session-id-32=\"123456\"] session created "
                + "2001:db8::7/51515->2001:db8::25/8891 0x0 None";

        // when
        final FirewallEvent c = event(create, "juniper-srx");
        final FirewallEvent d = event(deny, "juniper-srx");
        final FirewallEvent s = event(structured, "juniper-srx");

        // then
        assertThat(c.getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(c.getRule()).isEqualTo("allow-milter");
        assertThat(c.getProtocol()).isEqualTo("tcp");
        assertThat(c.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(c.getDevice()).isEqualTo("srx-edge");
        assertThat(d.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(d.getRule()).isEqualTo("default-deny");
        assertThat(s.getDstIp()).isEqualTo("2001:db8::25");
        assertThat(s.getDstPort()).isEqualTo(8891);
        assertThat(s.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T13:22:11.123Z").toEpochMilli());
    }

    @Test
    void shouldReadCiscoIpv6AndNatTuplesWhenPresent() {
        final FirewallEvent deny = event("<164>Mar 05 2024 14:22:11 asa-1 : %ASA-4-106023: Deny tcp src outside:2001:db8:0:0:0:0:0:7/51515 "
                + "dst inside:2001:db8::25/8891 by access-group \"outside_in\" [0x0, 0x0]", "cisco-asa");
        assertThat(deny.getSrcIp()).isEqualTo("2001:db8::7");
        assertThat(deny.getDstPort()).isEqualTo(8891);
        assertThat(deny.getRule()).isEqualTo("outside_in");
        assertThat(deny.getDevice()).isEqualTo("asa-1");
        assertThat(deny.getTimestampMs()).isEqualTo(Instant.parse("2024-03-05T14:22:11Z").toEpochMilli());
        final FirewallEvent built = event("%FTD-6-302013: Built inbound TCP connection 42 for outside:203.0.113.7/51515 "
                + "(203.0.113.7/51515)(LOCAL\\user) to inside:192.0.2.25/8891 (198.51.100.25/8891)(LOCAL\\other)", "cisco-asa");
        assertThat(built.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(built.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(built.getDirection()).isEqualTo("IN");
        // A teardown counts too (built messages are often off); the stream pairs it with its built message by connection id.
        final ParseResult teardown = parse("%ASA-6-302014: Teardown TCP connection 42 for outside:203.0.113.7/51515 to "
                + "inside:192.0.2.25/8891 duration 0:00:01 bytes 0 TCP FINs");
        assertThat(teardown.status()).isEqualTo(ParseStatus.EVENT);
        assertThat(teardown.connectionId()).isEqualTo("42");
        assertThat(teardown.event().getDstIp()).isEqualTo("192.0.2.25");
        assertThat(teardown.event().getDstPort()).isEqualTo(8891);
        assertThat(parse("%ASA-4-106023: Deny tcp src outside:mailhost/51515 dst inside:192.0.2.25/8891 by access-group \"x\"").reason())
                .contains("name");
    }

    @Test
    void shouldReadVpcCustomFormatWhenConfigured() {
        // given
        final FirewallParser custom = new FirewallParser(FirewallParserConfig.defaults().withVpcFormat(
                "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} "
                        + "${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} "
                        + "${tcp-flags} ${log-status} ${flow-direction}"));
        final String line = "5 vpc-0a1b2c subnet-0a1b2c i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 203.0.113.7 "
                + "172.31.16.139 51515 8891 203.0.113.7 172.31.16.139 6 4249 20 1418530010 1418530070 REJECT 2 OK ingress";

        // when
        final ParseResult r = custom.parse(line, LineContext.at(INGEST));

        // then
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(r.event().getDevice()).isEqualTo("i-01234567890123456");
        assertThat(r.event().getDirection()).isEqualTo("IN");
        assertThat(r.event().getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(r.event().getDstPort()).isEqualTo(8891);
        assertThat(custom.parse("5 vpc-0a1b2c subnet-0a1b2c i-0 eni-1 123456789010 - - - - - - - - - - 1418530010 1418530070 - - "
                + "NODATA -", LineContext.at(INGEST)).status()).isEqualTo(ParseStatus.SKIPPED);
        assertThatThrownBy(() -> FirewallParserConfig.defaults().withVpcFormat("${version} srcaddr"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("srcaddr");
    }

    @Test
    void shouldSkipVpcRecordsWhenTheyCarryNoData() {
        assertThat(parse("2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA").status())
                .isEqualTo(ParseStatus.SKIPPED);
        assertThat(parse("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
                + "log-status").status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldUseEachStreamsFieldsHeaderWhenWindowsLogsDeclareColumns() {
        // given
        final FirewallParser windows = new FirewallParser();
        windows.parse("#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype "
                + "icmpcode info path pid", new LineContext(INGEST, "a", null));
        windows.parse("#Fields: date time action protocol dst-ip src-ip dst-port src-port path", new LineContext(INGEST, "b", null));

        // when
        final FirewallEvent a = windows.parse("2026-11-28 08:05:57 ALLOW TCP 203.0.113.7 192.0.2.25 51515 8891 0 - - - - - - - RECEIVE 4",
                new LineContext(INGEST, "a", null)).event();
        final FirewallEvent b = windows.parse("2026-11-28 08:05:57 DROP TCP 192.0.2.25 203.0.113.7 8891 51515 RECEIVE",
                new LineContext(INGEST, "b", null)).event();

        // then
        assertThat(a.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(a.getDstPort()).isEqualTo(8891);
        assertThat(a.getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(b.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(b.getDstPort()).isEqualTo(8891);
        assertThat(b.getAction()).isEqualTo(FirewallAction.DROP);
    }

    @Test
    void shouldAcceptOnlyTheForcedFormatWhenOneIsNamed() {
        // given
        final FirewallParser onlyPf = new FirewallParser(FirewallParserConfig.defaults().withFormat("pfsense"));

        // when
        final ParseResult netfilterLine = onlyPf.parse("[UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=25 WINDOW=1",
                LineContext.at(INGEST));

        // then
        assertThat(netfilterLine.status()).isEqualTo(ParseStatus.INVALID);
        assertThatThrownBy(() -> FirewallParserConfig.defaults().withFormat("cisco")).hasMessageContaining("cisco");
    }
}
