package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ParseFirewallCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        final CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void shouldPrintOneJsonObjectPerLineWhenGivenAFile() throws Exception {
        // given
        final Path log = dir.resolve("fw.log");
        Files.write(log, List.of(
                "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 "
                        + "ID=1 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0",
                "Nov 28 09:59:02 mail sshd[1]: Accepted publickey for root",
                "garbage"));

        // when
        final int code = run("parse-firewall", log.toString());

        // then
        assertThat(code).isZero();
        final List<JsonNode> lines = out.toString().lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (final Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(lines).hasSize(3);
        final JsonNode event = lines.get(0);
        assertThat(event.get("status").asText()).isEqualTo("EVENT");
        assertThat(event.get("format").asText()).isEqualTo("netfilter");
        assertThat(event.get("event").get("action").asText()).isEqualTo("DROP");
        assertThat(event.get("event").get("dstIp").asText()).isEqualTo("192.0.2.25");
        assertThat(event.get("event").get("dstPort").asInt()).isEqualTo(8891);
        assertThat(event.get("event").get("srcPort").asInt()).isEqualTo(51515);
        assertThat(event.get("event").get("protocol").asText()).isEqualTo("tcp");
        assertThat(event.get("event").get("device").asText()).isEqualTo("mail");
        assertThat(event.get("event").get("rule").asText()).isEqualTo("[UFW BLOCK]");
        assertThat(event.get("event").get("direction").asText()).isEqualTo("IN");
        assertThat(event.get("event").get("timestamp").asText()).endsWith("-11-28T09:59:01Z");
        assertThat(event.get("reason").isNull()).isTrue();
        assertThat(lines.get(1).get("status").asText()).isEqualTo("SKIPPED");
        assertThat(lines.get(2).get("status").asText()).isEqualTo("INVALID");
        assertThat(lines.get(2).get("reason").asText()).contains("unknown format");
        assertThat(lines.get(2).get("event").isNull()).isTrue();
    }

    @Test
    void shouldPrintOneObjectPerEventInTheSameShapeWhenALineHoldsSeveral() throws Exception {
        // given: a CEF line and an Azure flow log document of two flow tuples
        final Path log = dir.resolve("cloud.log");
        Files.write(log, List.of(
                "CEF:0|Acme|FW|1.0|100|Connection blocked|5|src=203.0.113.7 spt=51515 dst=192.0.2.25 dpt=8891 proto=TCP act=blocked",
                "{\"records\":[{\"time\":\"2018-11-13T12:00:35Z\",\"category\":\"NetworkSecurityGroupFlowEvent\",\"properties\":"
                        + "{\"Version\":2,\"flows\":[{\"rule\":\"DefaultRule_DenyAllInBound\",\"flows\":[{\"mac\":\"000D3AF87856\","
                        + "\"flowTuples\":[\"1542110402,192.0.2.190,10.5.16.4,28746,8891,T,I,D,B,,,,\","
                        + "\"1542110403,192.0.2.191,10.5.16.4,28747,11332,T,I,D,B,,,,\"]}]}]}}]}"));

        // when
        final int code = run("parse-firewall", "--format", "auto", log.toString());

        // then
        assertThat(code).isZero();
        final List<JsonNode> lines = out.toString().lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (final Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(lines).hasSize(3);
        for (final JsonNode line : lines) {
            assertThat(line.fieldNames()).toIterable().containsExactly("status", "format", "event", "reason", "malformedUtf8");
            assertThat(line.get("status").asText()).isEqualTo("EVENT");
            assertThat(line.get("event").fieldNames()).toIterable().contains("srcIp", "srcPort", "dstIp", "dstPort", "protocol", "action");
        }
        assertThat(lines.get(0).get("format").asText()).isEqualTo("cef");
        assertThat(lines.get(1).get("event").get("dstPort").asInt()).isEqualTo(8891);
        assertThat(lines.get(2).get("event").get("dstPort").asInt()).isEqualTo(11332);
        assertThat(lines.get(2).get("event").get("action").asText()).isEqualTo("DROP");
    }

    @Test
    void shouldExitWithTwoAndNameTheInputWhenTheFileOrFormatIsBad() {
        assertThat(run("parse-firewall", dir.resolve("missing.log").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("missing.log");
        assertThat(run("parse-firewall", "--format", "iptables", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("iptables");
        assertThat(run("parse-firewall", "--zone", "Mars/Olympus", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Mars/Olympus");
    }

    @Test
    void shouldParseOnlyTheNamedFormatWhenFormatIsGiven() throws Exception {
        // given
        final Path log = dir.resolve("pf.log");
        Files.write(log, List.of("Sep 28 10:38:09 pfSense filterlog: 53,,,1000000301,em0,match,block,in,4,0x0,,64,420,0,none,6,tcp,460,"
                + "10.0.2.2,10.0.2.15,53742,22,420,PA,29633380:29633800,3617062173,65535,,", "Sep 28 10:38:09 pfSense kernel: IN=em0 OUT= "
                + "SRC=10.0.2.2 DST=10.0.2.15 LEN=60 PROTO=TCP SPT=1 DPT=22 WINDOW=1 URGP=0"));

        // when
        final int code = run("parse-firewall", "--format", "pfsense", log.toString());

        // then
        assertThat(code).isZero();
        final List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).contains("\"status\":\"EVENT\"").contains("\"format\":\"pfsense\"");
        assertThat(lines.get(1)).doesNotContain("\"status\":\"EVENT\"");
    }

    private List<JsonNode> outputLines() {
        return out.toString().lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (final Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void shouldAnswerEveryLineAndFlagTheBadOneWhenALineHoldsBytesThatAreNotUtf8() throws Exception {
        // given: a netfilter line whose prefix holds a Latin-1 byte (0xE9), between two clean lines
        final String ufw = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TTL=52 "
                + "PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 SYN URGP=0\n";
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write("garbage before\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.write(ufw.replace("mail kernel", "caf\u00e9 kernel").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        bytes.write(ufw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        final Path log = dir.resolve("latin1.log");
        Files.write(log, bytes.toByteArray());

        // when
        final int code = run("parse-firewall", log.toString());

        // then
        assertThat(code).as(err.toString()).isZero();
        final List<JsonNode> lines = outputLines();
        assertThat(lines).hasSize(3);
        assertThat(lines).extracting(n -> n.get("malformedUtf8").asBoolean()).containsExactly(false, true, false);
        assertThat(lines.get(1).get("status").asText()).isEqualTo("EVENT");
        assertThat(lines.get(1).get("event").get("device").asText()).isEqualTo("caf\uFFFD");
        assertThat(lines.get(1).get("event").get("dstPort").asInt()).isEqualTo(8891);
        assertThat(lines.get(2).get("status").asText()).isEqualTo("EVENT");
    }

    @Test
    void shouldAnswerInvalidAndGoOnWhenALineIsLongerThanTheMaximum() throws Exception {
        // given
        final Path log = dir.resolve("long.log");
        Files.writeString(log, "x".repeat(5000) + "\nNov 28 09:59:02 mail sshd[1]: Accepted publickey for root\n");

        // when
        final int code = run("parse-firewall", "--max-line-bytes", "1024", log.toString());

        // then
        assertThat(code).as(err.toString()).isZero();
        final List<JsonNode> lines = outputLines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("status").asText()).isEqualTo("INVALID");
        assertThat(lines.get(0).get("reason").asText()).contains("longer than 1024 bytes");
        assertThat(lines.get(1).get("status").asText()).isEqualTo("SKIPPED");
    }

    @Test
    void shouldRejectAMaximumLineLengthThatIsNotPositive() {
        assertThat(run("parse-firewall", "--max-line-bytes", "0", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--max-line-bytes 0");
    }
}
