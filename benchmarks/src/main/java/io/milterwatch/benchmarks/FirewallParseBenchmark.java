package io.milterwatch.benchmarks;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.LineContext;
import io.milterwatch.processor.firewall.ParseResult;
import io.milterwatch.processor.firewall.ParseStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Lines parsed per second, one thread, per format: each operation is one line, auto-detected
 * through the same front the stream processor uses (envelope, detection, format parser, event).
 * The lines vary (ports, prefixes) so no branch sees a single constant input. For azure-nsg one
 * operation is one flow log document of three flow tuples (three events).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FirewallParseBenchmark {

    private static final Map<String, List<String>> LINES = Map.ofEntries(Map.entry(
            "netfilter", List.of(
                    "Nov 28 09:59:01 mail kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                            + "SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 "
                            + "WINDOW=64240 RES=0x00 SYN URGP=0",
                    "Nov 28 09:59:02 mail kernel: [12345.9] filter_IN_public_REJECT: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                            + "SRC=198.51.100.9 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=1 DF PROTO=TCP SPT=40000 DPT=11332 "
                            + "WINDOW=29200 RES=0x00 SYN URGP=0",
                    "Nov 28 09:59:03 mail kernel: [12346.1] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                            + "SRC=203.0.113.8 DST=192.0.2.26 LEN=76 TOS=0x00 PREC=0x00 TTL=54 ID=777 PROTO=UDP SPT=53 DPT=1981 LEN=56")), Map.entry(
            "pfsense", List.of(
                    "<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 92653 - - 7,,,1000000102,vtnet0.5,match,block,in,4,0x0,,64,"
                            + "19008,0,DF,6,tcp,60,192.168.5.6,192.168.1.100,42970,8891,0,S,523876198,,64240,,mss;sackOK;TS;nop;wscale",
                    "Sep 28 10:38:09 pfSense filterlog: 53,,,1000000301,em0,match,pass,in,4,0x0,,64,420,0,none,6,tcp,460,10.0.2.2,10.0.2.15,"
                            + "53742,1981,420,PA,29633380:29633800,3617062173,65535,,")), Map.entry(
            "aws-vpc", List.of(
                    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 8891 6 20 4249 1418530010 1418530070 ACCEPT OK",
                    "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 11332 6 20 4249 1418530010 1418530070 REJECT OK")), Map.entry(
            "cisco-asa", List.of(
                    "<164>Mar 05 2024 14:22:11 asa-1 : %ASA-4-106023: Deny tcp src outside:203.0.113.7/51515 dst inside:192.0.2.25/8891 "
                            + "by access-group \"outside_in\" [0x0, 0x0]",
                    "<166>Aug  1 14:01:20 asa-1 : %ASA-6-302013: Built inbound TCP connection 906569140 for outside:203.0.113.7/51444 "
                            + "(203.0.113.7/51444) to inside:192.0.2.25/1981 (198.51.100.25/1981)")), Map.entry(
            "fortigate", List.of(
                    "date=2024-03-05 time=15:22:11 devname=\"FGT60F-HQ\" devid=\"FGT60FTK2109XXXX\" eventtime=1709648531123456789 tz=\"+0100\" "
                            + "logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=203.0.113.7 "
                            + "srcport=51515 srcintf=\"wan1\" dstip=192.0.2.25 dstport=8891 dstintf=\"internal\" sessionid=1234567 proto=6 "
                            + "action=\"deny\" policyid=0 service=\"tcp/8891\" duration=0 sentbyte=0 rcvdbyte=0")), Map.entry(
            "paloalto", List.of(
                    "<14>Mar  5 14:22:11 PA-3220 1,2024/03/05 14:22:11,013201001234,TRAFFIC,drop,2561,2024/03/05 14:22:11,203.0.113.7,"
                            + "192.0.2.25,0.0.0.0,0.0.0.0,deny-milter,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,default,"
                            + "2024/03/05 14:22:11,0,1,51515,8891,0,0,0x0,tcp,deny,60,60,0,1,2024/03/05 14:22:11,0,any,0,7012345,0x0,"
                            + "203.0.0.0-203.255.255.255,192.168.0.0-192.168.255.255,0,1,0,policy-deny,0,0,0,0,,PA-3220,from-policy,,,0,,0,,N/A")), Map.entry(
            "juniper-srx", List.of(
                    "<14>Mar  5 14:22:11 srx-edge RT_FLOW: RT_FLOW_SESSION_CREATE: session created 203.0.113.7/51515->192.0.2.25/8891 0x0 "
                            + "junos-milter 203.0.113.7/51515->192.0.2.25/8891 0x0 N/A N/A N/A N/A 6 allow-milter untrust trust 123456 "
                            + "N/A(N/A) ge-0/0/0.0 UNKNOWN UNKNOWN UNKNOWN N/A N/A -1 N/A N/A N/A Off root")), Map.entry(
            "windows-firewall", List.of(
                    "2026-11-28 08:05:57 DROP TCP 203.0.113.7 192.0.2.25 51515 8891 60 S 123456789 0 64240 - - - RECEIVE",
                    "2026-11-28 08:05:58 ALLOW TCP 203.0.113.8 192.0.2.25 51516 1981 0 - - - - - - - RECEIVE")), Map.entry(
            "aws-vpc-v5", List.of(
                    "5 123456789010 eni-069xxxxxb7a490 203.0.113.7 10.200.0.80 50041 8891 6 52 1 1640000066 1640000297 REJECT OK "
                            + "vpc-09676f97 subnet-02d645 i-0a1ad77 2 IPv4 203.0.113.7 10.200.0.80 us-east-1 use1-az5 - - - - ingress -",
                    "5 123456789010 eni-069xxxxxb7a490 203.0.113.8 10.200.0.80 50042 11332 6 52 1 1640000066 1640000297 ACCEPT OK "
                            + "vpc-09676f97 subnet-02d645 i-0a1ad77 2 IPv4 203.0.113.8 10.200.0.80 us-east-1 use1-az5 - - - - ingress -")),
            Map.entry("paloalto-csv", List.of(
                    // the CSV without a syslog header, as a file export or a relay that kept only the message writes it
                    "1,2024/03/05 14:22:11,013201001234,TRAFFIC,drop,2561,2024/03/05 14:22:11,203.0.113.7,"
                            + "192.0.2.25,0.0.0.0,0.0.0.0,deny-milter,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,default,"
                            + "2024/03/05 14:22:11,0,1,51515,8891,0,0,0x0,tcp,deny,60,60,0,1,2024/03/05 14:22:11,0,any,0,7012345,0x0,"
                            + "203.0.0.0-203.255.255.255,192.168.0.0-192.168.255.255,0,1,0,policy-deny,0,0,0,0,,PA-3220,from-policy,,,0,,0,,N/A",
                    // without FUTURE_USE (some forwarders and exports drop it)
                    "2024/03/05 14:22:12,013201001234,TRAFFIC,end,2561,2024/03/05 14:22:12,203.0.113.8,"
                            + "192.0.2.25,0.0.0.0,0.0.0.0,allow-smtp,,,smtp,vsys1,untrust,trust,ethernet1/1,ethernet1/2,default,"
                            + "2024/03/05 14:22:12,0,1,51516,11332,0,0,0x0,tcp,allow,1200,600,600,10,2024/03/05 14:22:10,2,"
                            + "any,0,7012346,0x0,203.0.0.0-203.255.255.255,192.168.0.0-192.168.255.255,0,6,4,tcp-fin,0,0,0,0,,PA-3220,from-policy")),
            Map.entry("paloalto-cef", List.of(
                    "<14>1 2026-05-20T13:22:46.121Z logfwd20 logforwarder - panwlogs - CEF:0|Palo Alto Networks|LF|2.0|TRAFFIC|drop|3|"
                            + "dtz=UTC rt=May 20 2026 13:22:45 deviceExternalId=007951000755670 PanOSConfigVersion=11.2 src=203.0.113.7 "
                            + "dst=192.0.2.25 sourceTranslatedAddress=203.0.113.7 cs1=deny-milter cs1Label=Rule app=incomplete cs3=vsys1 "
                            + "cs3Label=VirtualLocation cs4=untrust cs4Label=FromZone cs5=trust cs5Label=ToZone cn1=7916107 cn1Label=SessionID "
                            + "cnt=1 spt=51515 dpt=8891 proto=tcp act=deny PanOSBytes=60 out=60 in=0 reason=policy-deny dvchost=PA-3220",
                    "CEF:0|Palo Alto Networks|LF|2.0|TRAFFIC|end|3|dtz=UTC rt=May 20 2026 13:22:47 deviceExternalId=007951000755670 "
                            + "src=203.0.113.8 dst=192.0.2.25 cs1=allow-smtp cs1Label=Rule spt=51516 dpt=11332 proto=tcp act=allow")),
            Map.entry("paloalto-json", List.of(
                    "{\"LogType\":\"TRAFFIC\",\"Subtype\":\"end\",\"SourceAddress\":\"203.0.113.7\",\"SourcePort\":51515,"
                            + "\"DestinationAddress\":\"192.0.2.25\",\"DestinationPort\":8891,\"Protocol\":\"tcp\",\"Action\":\"reset-both\","
                            + "\"Rule\":\"r1\",\"DeviceName\":\"PA-VM\",\"TimeReceived\":\"2023-02-03T16:46:14.000000Z\"}",
                    "{\"LogType\":\"TRAFFIC\",\"Subtype\":\"drop\",\"SourceAddress\":\"203.0.113.8\",\"SourcePort\":51516,"
                            + "\"DestinationAddress\":\"192.0.2.25\",\"DestinationPort\":11332,\"Protocol\":\"tcp\",\"Action\":\"deny\","
                            + "\"Rule\":\"deny-milter\",\"DeviceName\":\"PA-VM\",\"TimeReceived\":\"2023-02-03T16:46:15.000000Z\"}")),
            Map.entry("cef", List.of(
                    "<14>1 2026-05-20T13:22:46.121Z logfwd20 logforwarder - panwlogs - CEF:0|Palo Alto Networks|LF|2.0|TRAFFIC|drop|3|"
                            + "dtz=UTC rt=May 20 2026 13:22:45 deviceExternalId=007951000755670 PanOSConfigVersion=11.2 src=203.0.113.7 "
                            + "dst=192.0.2.25 sourceTranslatedAddress=203.0.113.7 cs1=deny-milter cs1Label=Rule app=incomplete cs3=vsys1 "
                            + "cs3Label=VirtualLocation cs4=untrust cs4Label=FromZone cs5=trust cs5Label=ToZone cn1=7916107 cn1Label=SessionID "
                            + "cnt=1 spt=51515 dpt=8891 proto=tcp act=deny PanOSBytes=60 out=60 in=0 reason=policy-deny dvchost=PA-3220",
                    "CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Drop|Drop|Unknown|act=Drop deviceDirection=0 rt=1732787941000 "
                            + "spt=51516 dpt=11332 cs2Label=Rule Name cs2=Cleanup rule proto=6 src=203.0.113.8 dst=192.0.2.25 "
                            + "deviceInboundInterface=eth1 layer_name=Network")),
            Map.entry("leef", List.of(
                    "<13>Nov 28 09:59:01 fw1 LEEF:2.0|Acme|Firewall|4.2|deny|^|src=203.0.113.7^dst=192.0.2.25^srcPort=51515^dstPort=8891^"
                            + "proto=TCP^action=DENY^devTime=Nov 28 2026 09:59:01^devTimeFormat=MMM dd yyyy HH:mm:ss^policy=no-milter",
                    "LEEF:1.0|Acme|Firewall|4.2|allow|src=203.0.113.8\tdst=192.0.2.25\tsrcPort=51516\tdstPort=1981\tproto=6\t"
                            + "action=ALLOW\tdevTime=2026-11-28T09:59:02Z")),
            Map.entry("azure-nsg", List.of(
                    "{\"records\":[{\"time\":\"2026-11-28T09:59:35.3899262Z\",\"category\":\"NetworkSecurityGroupFlowEvent\","
                            + "\"resourceId\":\"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/MAIL-NSG\","
                            + "\"operationName\":\"NetworkSecurityGroupFlowEvents\",\"properties\":{\"Version\":2,\"flows\":["
                            + "{\"rule\":\"DefaultRule_DenyAllInBound\",\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":["
                            + "\"1764323975,203.0.113.7,10.5.16.4,28746,8891,T,I,D,B,,,,\",\"1764323976,203.0.113.8,10.5.16.4,28747,11332,T,I,D,B,,,,\"]}]},"
                            + "{\"rule\":\"UserRule_smtp\",\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":["
                            + "\"1764323977,198.51.100.9,10.5.16.4,44931,25,T,I,A,E,15,8489,12,7054\"]}]}]}}]}")),
            Map.entry("sophos", List.of(
                    "Nov 28 09:59:01 sophos device_name=\"SFW\" timestamp=\"2026-11-28T09:59:01+0100\" device_model=\"SFVH\" "
                            + "device_serial_id=\"C01001BQC8TFFFF\" log_id=\"010102600002\" log_type=\"Firewall\" log_component=\"Firewall Rule\" "
                            + "log_subtype=\"Denied\" log_version=1 severity=\"Information\" fw_rule_id=\"12\" nat_rule_id=\"0\" fw_rule_type=\"USER\" "
                            + "ether_type=\"IPv4 (0x0800)\" in_interface=\"Port1\" src_mac=\"00:26:37:ee:47:20\" src_ip=\"203.0.113.7\" "
                            + "src_country=\"R1\" dst_ip=\"192.0.2.25\" dst_country=\"R1\" protocol=\"TCP\" src_port=51515 dst_port=8891 "
                            + "hb_status=\"No Heartbeat\" app_resolved_by=\"Signature\" app_is_cloud=\"FALSE\" qualifier=\"New\"",
                    "device=\"SFW\" date=2026-11-28 time=09:59:02 timezone=\"UTC\" device_name=\"XG125w\" device_id=SFDemo-763180a "
                            + "log_id=010101600001 log_type=\"Firewall\" log_component=\"Firewall Rule\" log_subtype=\"Allowed\" status=\"Allow\" "
                            + "priority=Information duration=30 fw_rule_id=2 policy_type=2 user_name=\"\" in_interface=\"PortA\" out_interface=\"PortB\" "
                            + "src_mac=00:00:00:00:00:00 src_ip=198.51.100.9 src_country_code=R1 dst_ip=192.0.2.25 dst_country_code=R1 "
                            + "protocol=\"UDP\" src_port=59859 dst_port=11332 sent_pkts=1 recv_pkts=1 connevent=\"Stop\" connid=\"185246656\"")),
            Map.entry("checkpoint", List.of(
                    "<134>1 2026-11-28T09:59:01Z gw-1 CheckPoint 8363 - [action:\"Drop\"; flags:\"425984\"; ifdir:\"inbound\"; ifname:\"eth0\"; "
                            + "logid:\"0\"; loguid:\"{0x5e818e17,0x0,0x6401a8c0,0x108620ab}\"; origin:\"192.0.2.1\"; sequencenum:\"1\"; version:\"5\"; "
                            + "__policy_id_tag:\"product=VPN-1 & FireWall-1[db_tag={880771B0};mgmt=gw-1;date=1585502566;policy_name=Standard\\]\"; "
                            + "dst:\"192.0.2.25\"; layer_name:\"Network\"; match_id:\"5\"; rule_action:\"Drop\"; rule_name:\"no milter from outside\"; "
                            + "product:\"VPN-1 & FireWall-1\"; proto:\"6\"; s_port:\"51515\"; service:\"8891\"; src:\"203.0.113.7\"]",
                    "<134>1 2026-11-28T09:59:02Z gw-1 CheckPoint 8363 - [action:\"Accept\"; flags:\"444676\"; ifdir:\"outbound\"; origin:\"192.0.2.1\"; "
                            + "dst:\"192.0.2.25\"; inzone:\"Local\"; outzone:\"Internal\"; product:\"VPN-1 & FireWall-1\"; proto:\"17\"; "
                            + "s_port:\"46915\"; service:\"11332\"; service_id:\"rspamd\"; src:\"198.51.100.9\"]")));

    /** The format a parameter's lines are recognised as, where the parameter names a variant. */
    private static final Map<String, String> FORMAT_OF = Map.of("aws-vpc-v5", "aws-vpc", "paloalto-csv", "paloalto", "paloalto-cef", "cef",
            "paloalto-json", "paloalto");

    /** The lines of one parameter (for {@link FirewallParseCpuTime}), or null for an unknown one. */
    static List<String> lines(final String format) {
        return LINES.get(format);
    }

    @Param({"netfilter", "pfsense", "aws-vpc", "cisco-asa", "fortigate", "paloalto", "juniper-srx", "windows-firewall", "aws-vpc-v5",
            "cef", "leef", "azure-nsg", "paloalto-csv", "paloalto-cef", "paloalto-json", "sophos", "checkpoint"})
    public String format;

    private FirewallParser parser;
    private String[] lines;
    private LineContext context;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        parser = new FirewallParser();
        lines = LINES.get(format).toArray(new String[0]);
        context = new LineContext(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli(), "bench", null);
        for (final String line : lines) {
            final ParseResult r = parser.parse(line, context);
            if (r.status() != ParseStatus.EVENT || !FORMAT_OF.getOrDefault(format, format).equals(r.format())) {
                throw new IllegalStateException("benchmark line is not a " + format + " event: " + r.reason() + ": " + line);
            }
        }
    }

    @Benchmark
    public ParseResult parse() {
        final String line = lines[next];
        next = next + 1 == lines.length ? 0 : next + 1;
        return parser.parse(line, context);
    }
}
