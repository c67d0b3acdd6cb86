package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Measures the parser on real third-party lines, per corpus folder (one format family each), and fails
 * below the issue-14 bar: at least 97 % of expected field values right, at least 97 % of connection
 * lines turned into events, at most 2 % of other lines turned into events.
 *
 * <p>Data-driven: every folder under {@code corpus/firewall/} whose {@code sample.expected.jsonl} lines
 * carry {@code kind} ({@code connection} or {@code other}) is measured; add a folder to add a format.
 * Each line also says the outcome expected ({@code outcome}) and, for connection lines, the fields the
 * vendor's definitions give ({@code expected}: srcIp, srcPort, dstIp, dstPort, protocol, action); a
 * missing event counts every expected field as wrong. Misses are listed in the failure message.
 */
class CorpusMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    private static final String[] FIELDS = {"srcIp", "srcPort", "dstIp", "dstPort", "protocol", "action"};

    static Stream<String> folders() throws IOException, URISyntaxException {
        final Path root = Path.of(Objects.requireNonNull(CorpusMetricsTest.class.getResource("/corpus/firewall")).toURI());
        final List<String> measured = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (final Path dir : dirs.sorted().toList()) {
                final Path expected = dir.resolve("sample.expected.jsonl");
                if (Files.isRegularFile(expected) && Files.readAllLines(expected).stream().findFirst()
                        .map(l -> l.contains("\"kind\"")).orElse(false)) {
                    measured.add(dir.getFileName().toString());
                }
            }
        }
        assertThat(measured).as("measured corpus folders").isNotEmpty();
        return measured.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("folders")
    void shouldMeetTheRealLineBarWhenParsingEachMeasuredCorpusFolder(final String folder) throws IOException, URISyntaxException {
        // given
        final Path dir = Path.of(Objects.requireNonNull(CorpusMetricsTest.class.getResource("/corpus/firewall/" + folder)).toURI());
        final List<String> log = Files.readAllLines(dir.resolve("sample.log"), StandardCharsets.UTF_8);
        final List<String> truth = Files.readAllLines(dir.resolve("sample.expected.jsonl"), StandardCharsets.UTF_8);
        assertThat(log).as(folder).hasSameSizeAs(truth).isNotEmpty();
        final FirewallParser parser = new FirewallParser();
        int connections = 0;
        int connectionEvents = 0;
        int others = 0;
        int otherEvents = 0;
        int fields = 0;
        int fieldsRight = 0;
        int outcomesRight = 0;
        final List<String> misses = new ArrayList<>();

        // when
        for (int i = 0; i < log.size(); i++) {
            final JsonNode t = JSON.readTree(truth.get(i));
            assertThat(t.get("line").asInt()).as("%s: line numbers of sample.expected.jsonl", folder).isEqualTo(i + 1);
            assertThat(t.path("source").asText()).as("%s line %d: source", folder, i + 1).isNotBlank();
            assertThat(t.path("license").asText()).as("%s line %d: license", folder, i + 1).isNotBlank();
            final ParseResult r = parser.parse(log.get(i), new LineContext(INGEST, folder, null));
            final boolean event = r.status() == ParseStatus.EVENT;
            final boolean connection = "connection".equals(t.get("kind").asText());
            if (connection) {
                connections++;
                connectionEvents += event ? 1 : 0;
            } else {
                others++;
                otherEvents += event ? 1 : 0;
            }
            if (r.status().name().equals(t.get("outcome").asText())) {
                outcomesRight++;
            } else {
                misses.add("line " + (i + 1) + ": " + r.status() + " (expected " + t.get("outcome").asText() + "): " + r.reason());
            }
            final JsonNode expected = t.get("expected");
            if (expected == null || expected.isNull()) {
                continue;
            }
            final FirewallEvent e = r.event();
            for (final String field : FIELDS) {
                fields++;
                final String want = expected.get(field).isNull() ? null : expected.get(field).asText();
                final String got = e == null ? "<no event>" : actual(e, field);
                if (Objects.equals(want, got)) {
                    fieldsRight++;
                } else {
                    misses.add("line " + (i + 1) + " " + field + ": " + got + " (expected " + want + ")");
                }
            }
        }

        // then
        final double fieldRate = fields == 0 ? 1.0 : (double) fieldsRight / fields;
        final double connectionRate = connections == 0 ? 1.0 : (double) connectionEvents / connections;
        final double otherRate = others == 0 ? 0.0 : (double) otherEvents / others;
        final String report = String.format(Locale.ROOT,
                "%s: fields right %d/%d = %.1f %%, connection lines -> events %d/%d = %.1f %%, other lines -> events %d/%d = %.1f %%, "
                        + "outcomes as expected %d/%d%nmisses:%n  %s",
                folder, fieldsRight, fields, 100 * fieldRate, connectionEvents, connections, 100 * connectionRate, otherEvents, others,
                100 * otherRate, outcomesRight, log.size(), String.join("\n  ", misses));
        System.out.println(report);
        assertThat(fieldRate).as(report).isGreaterThanOrEqualTo(0.97);
        assertThat(connectionRate).as(report).isGreaterThanOrEqualTo(0.97);
        assertThat(otherRate).as(report).isLessThanOrEqualTo(0.02);
    }

    private static String actual(final FirewallEvent e, final String field) {
        final Object v = switch (field) {
            case "srcIp" -> e.getSrcIp();
            case "srcPort" -> e.getSrcPort();
            case "dstIp" -> e.getDstIp();
            case "dstPort" -> e.getDstPort();
            case "protocol" -> e.getProtocol();
            default -> e.getAction().name();
        };
        return v == null ? null : v.toString();
    }
}
