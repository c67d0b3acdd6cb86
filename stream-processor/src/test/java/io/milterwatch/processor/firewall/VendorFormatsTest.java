package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

/** CEF, LEEF, Azure NSG, PAN-OS JSON/CEF and VPC custom orders, by the rules of their specifications. */
class VendorFormatsTest {

    private static final LineContext AT = new LineContext(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli(), "test", null);

    private static ParseResult parse(final String line) {
        return new FirewallParser().parse(line, AT);
    }

    private static FirewallEvent event(final String line) {
        final ParseResult r = parse(line);
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        return r.event();
    }

    @Test
    void shouldUnescapeHeaderAndExtensionWhenACefLineUsesTheSpecEscapes() {
        // given: an escaped pipe in the product, \= and \\ in values, spaces in a value, '=' inside a URL
        final String line = "<134>Mar  5 14:22:11 fw1 CEF:0|Acme|Fire\\|wall|1.0|100|Connection blocked|5|src=203.0.113.7 spt=51515 "
                + "dst=192.0.2.25 dpt=8891 proto=TCP act=blocked msg=a\\=b and c\\\\d request=http://x.example/?q=1&r=2 cs1Label=Rule Name "
                + "cs1=no milter from outside";

        // when
        final FirewallEvent e = event(line);

        // then
        assertThat(e.getFormat()).isEqualTo("cef");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getProtocol()).isEqualTo("tcp");
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("no milter from outside");
        assertThat(e.getDevice()).isEqualTo("fw1");
    }

    @Test
    void shouldParseTheExtensionByTheSpecWhenValuesHoldEscapesAndSpaces() {
        // given
        final java.util.Map<String, String> out = new java.util.HashMap<>();

        // when
        CefParser.extension("msg=a\\=b and c\\\\d url=http://x/?q=1 n=line\\nbreak", 0, out);

        // then
        assertThat(out).containsEntry("msg", "a=b and c\\d").containsEntry("url", "http://x/?q=1").containsEntry("n", "line\nbreak")
                .hasSize(3);
    }

    @Test
    void shouldSkipACefRecordWhenItHasNoDestinationPort() {
        // given: an authentication event names addresses but no port
        final ParseResult r = parse("CEF:0|Acme|VPN|2.1|200|User login|3|src=198.51.100.9 dst=192.0.2.1 suser=alice act=success");

        // then
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.reason()).contains("no destination port");
    }

    @Test
    void shouldReadACheckPointLogExporterLineWhenItsPairsAreTheStructuredData() {
        // given: the default syslog format, an escaped bracket in one value, the gateway in origin
        final FirewallEvent e = event("<134>1 2026-11-28T09:59:01Z - CheckPoint 1930 - [action:\"Drop\"; ifdir:\"inbound\"; "
                + "origin:\"192.0.2.1\"; time:\"1795859941\"; __policy_id_tag:\"product=VPN-1 & FireWall-1[policy_name=Standard\\]\"; "
                + "dst:\"192.0.2.25\"; rule_name:\"no milter from outside\"; product:\"VPN-1 & FireWall-1\"; proto:\"6\"; "
                + "s_port:\"51515\"; service:\"8891\"; src:\"203.0.113.7\"]");

        // then
        assertThat(e.getFormat()).isEqualTo("checkpoint");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getProtocol()).isEqualTo("tcp");
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("no milter from outside");
        assertThat(e.getDevice()).isEqualTo("192.0.2.1");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T09:59:01Z"));
    }

    @Test
    void shouldReadCheckPointPairsByTheirEscapes() {
        // given
        final java.util.Map<String, String> out = new java.util.HashMap<>();

        // when
        CheckPointParser.read("[a:\"x\\\"y\"; b:\"p\\]q\"; sys_message::\"two words; here\"]", out);

        // then
        assertThat(out).containsEntry("a", "x\"y").containsEntry("b", "p]q").containsEntry("sys_message", "two words; here").hasSize(3);
    }

    @Test
    void shouldCountASophosConnectionOnceWhenItIsLoggedAtItsStartAndItsStop() {
        // given: SFOS 19 fields (timestamp with its offset, the decision in log_subtype), a start and a stop of one connection
        final String start = "<30>device_name=\"SFW\" timestamp=\"2026-11-28T09:59:01+0100\" device_model=\"XGS2100\" log_id=\"010101600001\" "
                + "log_type=\"Firewall\" log_component=\"Firewall Rule\" log_subtype=\"Denied\" log_version=1 severity=\"Information\" "
                + "fw_rule_id=\"7\" fw_rule_name=\"no milter from outside\" src_ip=\"203.0.113.7\" dst_ip=\"192.0.2.25\" protocol=\"TCP\" "
                + "src_port=51515 dst_port=8891 con_event=\"Start\" con_id=\"42\"";
        final String stop = start.replace("con_event=\"Start\"", "con_event=\"Stop\"");

        // when
        final ParseResult a = parse(start);
        final ParseResult b = parse(stop);

        // then
        assertThat(a.status()).as(a.reason()).isEqualTo(ParseStatus.EVENT);
        final FirewallEvent e = a.event();
        assertThat(e.getFormat()).isEqualTo("sophos");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getProtocol()).isEqualTo("tcp");
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("no milter from outside");
        assertThat(e.getDevice()).isEqualTo("SFW");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T08:59:01Z"));
        assertThat(a.connectionId()).isEqualTo("42").isEqualTo(b.connectionId());
    }

    @Test
    void shouldSkipASophosLogThatIsNotAFirewallDecision() {
        // given: a web filter log names addresses and ports too, but is the proxy's verdict, not the firewall's
        final ParseResult r = parse("device=\"SFW\" date=2026-11-28 time=09:59:01 timezone=\"UTC\" device_name=\"XG125\" log_id=050901616001 "
                + "log_type=\"Content Filtering\" log_component=\"HTTP\" log_subtype=\"Allowed\" status=\"\" src_ip=10.0.0.5 "
                + "dst_ip=192.0.2.80 protocol=\"TCP\" src_port=50000 dst_port=80");

        // then
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.format()).isEqualTo("sophos");
        assertThat(r.reason()).contains("'Content Filtering'");
    }

    @Test
    void shouldReadASophos185LineInUtcWhenItsTimezoneSaysUtc() {
        // given: SFOS 18.5 fields, the decision in status
        final FirewallEvent e = event("device=\"SFW\" date=2026-11-28 time=09:59:01 timezone=\"UTC\" device_name=\"XG125\" "
                + "log_id=010101600001 log_type=\"Firewall\" log_component=\"Firewall Rule\" log_subtype=\"Allowed\" status=\"Allow\" "
                + "fw_rule_id=3 src_ip=198.51.100.9 dst_ip=192.0.2.25 protocol=\"UDP\" src_port=5353 dst_port=11332 connid=\"\"");

        // then
        assertThat(e.getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(e.getProtocol()).isEqualTo("udp");
        assertThat(e.getDstPort()).isEqualTo(11332);
        assertThat(e.getRule()).isEqualTo("3");
        assertThat(e.getDevice()).isEqualTo("XG125");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T09:59:01Z"));
    }

    @Test
    void shouldReadAPanOsTrafficCsvWhenItStartsWithAHighResolutionReceiveTimeAndNoFutureUseField() {
        // given: a TRAFFIC record as an export writes it, without FUTURE_USE, the receive time in RFC 3339
        final String line = "2024-03-05T14:22:11.456+01:00,013201001234,TRAFFIC,drop,2561,2024/03/05 14:22:11,203.0.113.7,192.0.2.25,"
                + "0.0.0.0,0.0.0.0,deny-milter,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,,2024/03/05 14:22:11,0,1,51515,8891,"
                + "0,0,0x0,tcp,deny,74,74,0,1,2024/03/05 14:22:11,0,any,0,7219,0x0,US,192.0.2.0-192.0.2.255,0,1,0,policy-deny";

        // when
        final FirewallEvent e = event(line);

        // then: the time is the record's own, not taken for a syslog header
        assertThat(e.getFormat()).isEqualTo("paloalto");
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getDstIp()).isEqualTo("192.0.2.25");
        assertThat(e.getSrcPort()).isEqualTo(51515);
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("deny-milter");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2024-03-05T13:22:11.456Z"));
    }

    @Test
    void shouldReadAPanOsLogForwardingTrafficRecordWhenItArrivesAsCef() {
        // given: the Strata Logging Service TRAFFIC CEF fields (dtz, rt, src, dst, cs1 Rule, spt, dpt, proto, act)
        final String line = "<14>1 2026-05-20T13:22:46.121Z logfwd20-x logforwarder - panwlogs - CEF:0|Palo Alto Networks|LF|2.0|TRAFFIC|drop|3|"
                + "dtz=UTC rt=May 20 2026 13:22:45 deviceExternalId=007951000755670 src=203.0.113.7 dst=192.0.2.25 cs1=deny-milter "
                + "cs1Label=Rule spt=51515 dpt=11332 proto=tcp act=deny";

        // when
        final FirewallEvent e = event(line);

        // then
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getDstPort()).isEqualTo(11332);
        assertThat(e.getRule()).isEqualTo("deny-milter");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-05-20T13:22:45Z"));
    }

    @Test
    void shouldSkipAPanOsThreatRecordWhenItArrivesAsCef() {
        final ParseResult r = parse("CEF:0|Palo Alto Networks|LF|2.0|THREAT|spyware|1|rt=Mar 01 2021 20:48:21 src=198.51.100.24 "
                + "dst=203.0.113.9 spt=1 dpt=443 proto=tcp act=alert");

        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldSplitAttributesOnTheDeclaredDelimiterWhenALeef2LineNamesOne() {
        // given: '^' as a character and as its hex code
        for (final String delimiter : List.of("^", "0x5E", "x5e")) {
            final String line = "LEEF:2.0|Lancope|StealthWatch|1.0|41|" + delimiter + "|src=203.0.113.7^dst=192.0.2.25^srcPort=51515^"
                    + "dstPort=8891^proto=TCP^action=DENY^devTime=2026-11-28T09:59:01Z";

            // when
            final FirewallEvent e = event(line);

            // then
            assertThat(e.getFormat()).isEqualTo("leef");
            assertThat(e.getSrcPort()).isEqualTo(51515);
            assertThat(e.getDstPort()).isEqualTo(8891);
            assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
            assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T09:59:01Z"));
        }
    }

    @Test
    void shouldReadTabsAndRelayedTabsWhenALeef1LineArrives() {
        // given: real tabs, and rsyslog's #011 for a tab
        final String tabs = "Jan 18 11:07:53 host1 LEEF:1.0|Acme|FW|4.0|deny|src=203.0.113.7\tdst=192.0.2.25\tsrcPort=1\tdstPort=1981\t"
                + "proto=6\taction=block\tdevTime=Nov 28 2026 09:59:01\tdevTimeFormat=MMM dd yyyy HH:mm:ss";
        final String relayed = tabs.replace("\t", "#011");

        for (final String line : List.of(tabs, relayed)) {
            // when
            final FirewallEvent e = event(line);

            // then
            assertThat(e.getDstPort()).isEqualTo(1981);
            assertThat(e.getProtocol()).isEqualTo("tcp");
            assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
            assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2026-11-28T09:59:01Z"));
        }
    }

    @Test
    void shouldReadPipeSeparatedAttributesWhenPanOsSendsLeef() {
        // given: PAN-OS's LEEF profile puts '|' between attributes, the action in the event id and the log type in cat
        final String traffic = "<14>Mar  5 14:22:11 PA-3220 LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.1.0|deny|cat=TRAFFIC|"
                + "ReceiveTime=2024/03/05 14:22:11|SerialNumber=013201001234|Type=TRAFFIC|Subtype=drop|devTime=Mar 05 2024 14:22:11 GMT|"
                + "src=203.0.113.7|dst=192.0.2.25|srcPostNAT=0.0.0.0|RuleName=deny-milter|usrName=|srcPort=51515|dstPort=8891|"
                + "proto=tcp|action=deny|totalBytes=60";
        final String threat = traffic.replace("|deny|cat=TRAFFIC|", "|url|cat=THREAT|");

        // when
        final FirewallEvent e = event(traffic);

        // then
        assertThat(e.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(e.getRule()).isEqualTo("deny-milter");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2024-03-05T14:22:11Z"));
        assertThat(parse(threat).status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldSkipALeefRecordWhenItHasNoDestinationPort() {
        final ParseResult r = parse("LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly");

        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldRefuseALeef2DelimiterWhenItIsNeitherACharacterNorAHexCode() {
        final ParseResult r = parse("LEEF:2.0|Acme|FW|1|41|tab|src=1.2.3.4");

        assertThat(r.status()).isEqualTo(ParseStatus.INVALID);
        assertThat(r.reason()).contains("'tab'");
    }

    @Test
    void shouldReturnOneEventPerFlowTupleWhenAnAzureDocumentHoldsMany() {
        // given: a version 2 document with two rules and three tuples
        final String doc = "{\"records\":[{\"time\":\"2018-11-13T12:00:35.3899262Z\",\"category\":\"NetworkSecurityGroupFlowEvent\","
                + "\"resourceId\":\"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/MAIL-NSG\","
                + "\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"DefaultRule_DenyAllInBound\",\"flows\":[{\"mac\":\"000D3AF87856\","
                + "\"flowTuples\":[\"1542110402,192.0.2.190,10.5.16.4,28746,8891,T,I,D,B,,,,\",\"1542110403,192.0.2.191,10.5.16.4,28747,53,U,I,D,B,,,,\"]}]},"
                + "{\"rule\":\"UserRule_milter\",\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":[\"1542110379,10.5.16.9,10.5.16.4,44931,11332,T,I,A,E,1,66,1,66\"]}]}]}}]}";
        final FirewallParser parser = new FirewallParser();

        // when
        final List<ParseResult> all = parser.parseAll(doc, AT);

        // then
        assertThat(all).hasSize(3).allMatch(r -> r.status() == ParseStatus.EVENT && r.format().equals("azure-nsg"));
        assertThat(all.get(0).event().getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(all.get(1).event().getProtocol()).isEqualTo("udp");
        assertThat(all.get(2).event().getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(all.get(2).event().getRule()).isEqualTo("UserRule_milter");
        assertThat(all.get(2).event().getDevice()).isEqualTo("MAIL-NSG");
        assertThat(all.get(2).event().getDirection()).isEqualTo("IN");
        assertThat(parser.parse(doc, AT).event().getDstPort()).as("parse gives the first").isEqualTo(8891);
        assertThat(parser.parseAll("1 2 3", AT)).hasSize(1);
    }

    @Test
    void shouldReadAFlowLogRecordWhenAShipperWrappedItInAMessage() {
        // given: an Event Hub / Filebeat envelope whose message is one virtual network flow log record
        final String record = "{\"time\":\"2025-08-06T20:39:33.3186341Z\",\"category\":\"FlowLogFlowEvent\",\"flowLogVersion\":4,"
                + "\"flowRecords\":{\"flows\":[{\"aclID\":\"x\",\"flowGroups\":[{\"rule\":\"DefaultRule_DenyAllInBound\",\"flowTuples\":"
                + "[\"1754512773000,198.51.100.23,10.0.0.4,51544,8891,6,I,D,NX,0,0,0,0\"]}]}]}}";
        final String wrapped = "{\"@timestamp\":\"2025-08-06T20:40:00Z\",\"message\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                .valueToTree(record).toString() + "}";

        // when
        final FirewallEvent e = event(wrapped);

        // then
        assertThat(e.getFormat()).isEqualTo("azure-nsg");
        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2025-08-06T20:39:33Z"));
    }

    @Test
    void shouldKeepAnEnvelopeAnEnvelopeWhenItHasATypeAndASourceOfItsOwn() {
        // given: Logstash's "type" beside a message: not a PAN-OS JSON record
        final ParseResult r = parse("{\"type\":\"syslog\",\"src\":\"192.0.2.1\",\"message\":\"Nov 28 09:59:01 mail sshd[1]: Accepted key\"}");

        assertThat(r.format()).isNotEqualTo("paloalto");
        assertThat(r.status()).isEqualTo(ParseStatus.SKIPPED);
    }

    @Test
    void shouldReadAPanOsJsonTrafficRecordWhenItComesWithoutAnEnvelope() {
        final FirewallEvent e = event("{\"LogType\":\"TRAFFIC\",\"Subtype\":\"end\",\"SourceAddress\":\"203.0.113.7\",\"SourcePort\":51515,"
                + "\"DestinationAddress\":\"192.0.2.25\",\"DestinationPort\":8891,\"Protocol\":\"tcp\",\"Action\":\"reset-both\","
                + "\"Rule\":\"r1\",\"DeviceName\":\"PA-VM\",\"TimeReceived\":\"2023-02-03T16:46:14.000000Z\"}");

        assertThat(e.getFormat()).isEqualTo("paloalto");
        assertThat(e.getAction()).isEqualTo(FirewallAction.REJECT);
        assertThat(e.getDevice()).isEqualTo("PA-VM");
        assertThat(Instant.ofEpochMilli(e.getTimestampMs())).isEqualTo(Instant.parse("2023-02-03T16:46:14Z"));
    }

    @Test
    void shouldReadAVersion5RecordWhenItUsesTheDefaultOrder() {
        final FirewallEvent e = event("5 123456789010 eni-1235b8ca123456789 203.0.113.7 172.31.16.21 51515 8891 6 20 4249 1418530010 1418530070 "
                + "ACCEPT OK");

        assertThat(e.getDstPort()).isEqualTo(8891);
        assertThat(e.getAction()).isEqualTo(FirewallAction.ALLOW);
    }

    @Test
    void shouldReadTheConfiguredOrderWhenAVpcFormatIsSet() {
        // given: a custom version 5 order
        final FirewallParser parser = new FirewallParser(FirewallParserConfig.defaults().withVpcFormat(
                "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${flow-direction} ${log-status}"));

        // when
        final ParseResult r = parser.parse("5 vpc-0abc 203.0.113.7 10.0.0.5 51515 1981 6 REJECT ingress OK", AT);

        // then
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(r.event().getDstPort()).isEqualTo(1981);
        assertThat(r.event().getDirection()).isEqualTo("IN");
        assertThat(r.event().getAction()).isEqualTo(FirewallAction.DROP);
    }

    @Test
    void shouldNameTheBadFieldWhenAVpcFormatIsNotFieldNames() {
        assertThatThrownBy(() -> FirewallParserConfig.defaults().withVpcFormat("${version} srcaddr ${dstaddr} ${action}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'srcaddr'");
    }

    @Test
    void shouldTakeTheFieldOrderFromTheHeaderWhenAStreamStartsWithOne() {
        // given
        final FirewallParser parser = new FirewallParser();
        final String header = "version srcaddr dstaddr srcport dstport protocol action log-status";

        // when
        final ParseResult h = parser.parse(header, AT);
        final ParseResult r = parser.parse("3 203.0.113.7 10.0.0.5 51515 8891 6 ACCEPT OK", AT);
        final ParseResult other = parser.parse("3 203.0.113.7 10.0.0.5 51515 8891 6 ACCEPT OK", new LineContext(AT.ingestTimeMs(), "other", null));

        // then
        assertThat(h.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(r.event().getDstPort()).isEqualTo(8891);
        assertThat(other.status()).as("another stream has not seen the header").isNotEqualTo(ParseStatus.EVENT);
    }
}
