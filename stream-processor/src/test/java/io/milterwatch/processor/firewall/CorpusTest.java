package io.milterwatch.processor.firewall;

import io.milterwatch.net.IpText;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every line of the shared third-party corpus (src/test/resources/corpus/firewall, with its
 * README and licenses): the outcome we expect for each line, and where upstream asserted a parse
 * (crowdsec's parser.assert, plaso's tests) the same addresses, ports, protocol and action.
 */
class CorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    /** Expected outcome per line (E = EVENT, S = SKIPPED, I = INVALID), in file order. */
    private static final Map<String, String> OUTCOMES = Map.of(
            "aws_vpc_flow", "EEEEE",
            // 8: a 304001 URL-access text without its tag; 9: port 123412; 12: 313001 has no destination;
            // 14: a request whose decision is a later message; 15: VPN; 16: IOS interface message.
            "cisco_asa", "EEEEEEEIIEESESSSE",
            // 2: "XX=" instead of "IN=": crowdsec rejects it too.
            "netfilter_iptables", "EIEEEEEEEEEEEEEEEEEEEEEEEEE",
            "pfsense_filterlog", "EEEEEEEEEEEEEEEEE",
            // 1-4: W3C header; 8, 9: CLOSE; 14: INFO-EVENTS-LOST.
            "windows_firewall", "SSSSEEESSEEEES");

    static Stream<Arguments> lines() throws IOException {
        final List<Arguments> all = new ArrayList<>();
        for (final String format : List.of("aws_vpc_flow", "cisco_asa", "netfilter_iptables", "pfsense_filterlog", "windows_firewall")) {
            final List<String> log = read("/corpus/firewall/" + format + "/sample.log");
            final List<String> expected = read("/corpus/firewall/" + format + "/sample.expected.jsonl");
            assertThat(log).as(format).hasSameSizeAs(expected).hasSize(OUTCOMES.get(format).length());
            for (int i = 0; i < log.size(); i++) {
                all.add(Arguments.of(format, i + 1, log.get(i), JSON.readTree(expected.get(i))));
            }
        }
        return all.stream();
    }

    private static List<String> read(final String resource) throws IOException {
        try (InputStream in = CorpusTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** One parser per file: the W3C #Fields: header of a file applies to the lines after it. */
    private static final Map<String, FirewallParser> PARSERS = new java.util.HashMap<>();

    @ParameterizedTest(name = "{0} line {1}")
    @MethodSource("lines")
    void shouldGiveTheExpectedOutcomeWhenParsingEachCorpusLine(final String format, final int number, final String text,
            final JsonNode expected) {
        // given
        final FirewallParser parser = PARSERS.computeIfAbsent(format, f -> new FirewallParser());
        final ParseStatus status = switch (OUTCOMES.get(format).charAt(number - 1)) {
            case 'E' -> ParseStatus.EVENT;
            case 'S' -> ParseStatus.SKIPPED;
            default -> ParseStatus.INVALID;
        };

        // when
        final ParseResult result = parser.parse(text, new LineContext(INGEST, format, null));

        // then
        assertThat(result.status()).as("%s line %d: %s", format, number, result.reason()).isEqualTo(status);
        if (status != ParseStatus.EVENT) {
            assertThat(result.reason()).isNotBlank();
            return;
        }
        final FirewallEvent event = result.event();
        assertThat(event.getLine()).isEqualTo(text.strip());
        final JsonNode truth = expected.get("truth");
        if (truth == null || truth.isNull()) {
            return;
        }
        if ("plaso-test".equals(expected.get("truth_kind").asText())) {
            assertThat(event.getSrcIp()).isEqualTo(truth.get("source_ip").asText());
            assertThat(event.getDstIp()).isEqualTo(truth.get("destination_ip").asText());
            assertThat(event.getSrcPort()).isEqualTo(truth.get("source_port").asInt());
            assertThat(event.getDstPort()).isEqualTo(truth.get("destination_port").asInt());
            assertThat(Instant.ofEpochMilli(event.getTimestampMs())).isEqualTo(Instant.parse(truth.get("last_written_time").asText() + "Z"));
            return;
        }
        final JsonNode parsed = truth.get("parsed");
        final boolean asserted = truth.get("stages").properties().stream()
                .anyMatch(e -> e.getKey().startsWith("s01-parse") && e.getValue().asBoolean());
        if (!asserted || parsed == null || !parsed.has("src_ip")) {
            return;
        }
        assertThat(event.getSrcIp()).isEqualTo(IpText.canonical(parsed.get("src_ip").asText()));
        assertThat(event.getDstIp()).isEqualTo(IpText.canonical(parsed.get("dst_ip").asText()));
        if (parsed.has("src_port")) {
            assertThat(event.getSrcPort()).isEqualTo(parsed.get("src_port").asInt());
        }
        if (parsed.has("dst_port")) {
            assertThat(event.getDstPort()).isEqualTo(parsed.get("dst_port").asInt());
        }
        final String proto = parsed.has("proto") ? parsed.get("proto").asText() : parsed.path("ip4_proto").asText(null);
        if (proto != null) {
            assertThat(event.getProtocol()).isEqualToIgnoringCase(proto);
        }
        if (parsed.has("action")) {
            assertThat(event.getRawAction()).containsIgnoringCase(parsed.get("action").asText());
        }
    }
}
