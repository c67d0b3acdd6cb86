package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

/**
 * The vendor lines of issue 14 (PAN-OS, CEF, AWS VPC v3-v8, Azure NSG), each with the values its
 * vendor's field definitions give (sample.expected.jsonl beside each sample.log, with source and
 * licence): the share of expected field values that come out right, of connection records that
 * become events, and of non-connection lines that wrongly do, per format and over all. An Azure
 * document is one line and many connection records (one per flow tuple).
 */
class VendorCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INGEST = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    private static final List<String> FOLDERS = List.of("paloalto", "cef", "aws_vpc_flow_v3_v8", "azure_nsg");
    private static final List<String> FIELDS = List.of("srcIp", "srcPort", "dstIp", "dstPort", "protocol", "action");

    /** Counts of one format. */
    static final class Tally {
        int fields;
        int fieldsRight;
        int connections;
        int connectionEvents;
        int others;
        int otherEvents;
        final List<String> misses = new ArrayList<>();

        void add(final Tally t) {
            fields += t.fields;
            fieldsRight += t.fieldsRight;
            connections += t.connections;
            connectionEvents += t.connectionEvents;
            others += t.others;
            otherEvents += t.otherEvents;
        }

        double fieldShare() {
            return fields == 0 ? 1 : (double) fieldsRight / fields;
        }

        double connectionShare() {
            return connections == 0 ? 1 : (double) connectionEvents / connections;
        }

        double otherShare() {
            return others == 0 ? 0 : (double) otherEvents / others;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "fields right %d/%d (%.1f %%), connection records as events %d/%d (%.1f %%), "
                    + "non-connection lines as events %d/%d (%.1f %%)", fieldsRight, fields, 100 * fieldShare(), connectionEvents,
                    connections, 100 * connectionShare(), otherEvents, others, 100 * otherShare());
        }
    }

    static Map<String, Tally> measure() throws IOException {
        final Map<String, Tally> out = new LinkedHashMap<>();
        for (final String folder : FOLDERS) {
            final List<String> log = read("/corpus/firewall/" + folder + "/sample.log");
            final List<String> expected = read("/corpus/firewall/" + folder + "/sample.expected.jsonl");
            assertThat(log).as(folder).hasSameSizeAs(expected).isNotEmpty();
            final FirewallParser parser = new FirewallParser();
            final Tally t = new Tally();
            for (int i = 0; i < log.size(); i++) {
                final JsonNode truth = JSON.readTree(expected.get(i));
                assertThat(truth.get("line").asInt()).isEqualTo(i + 1);
                assertThat(truth.get("source").asText()).as("source of %s line %d", folder, i + 1).isNotBlank();
                assertThat(truth.get("license").asText()).as("licence of %s line %d", folder, i + 1).isNotBlank();
                final List<ParseResult> results = parser.parseAll(log.get(i), new LineContext(INGEST, folder, null));
                final List<FirewallEvent> events = results.stream().filter(r -> r.status() == ParseStatus.EVENT).map(ParseResult::event)
                        .toList();
                final JsonNode records = truth.get("expected");
                if (!truth.get("connection").asBoolean()) {
                    t.others++;
                    if (!events.isEmpty()) {
                        t.otherEvents++;
                        t.misses.add(folder + " line " + (i + 1) + ": not a connection, but an event");
                    }
                    continue;
                }
                for (int r = 0; r < records.size(); r++) {
                    t.connections++;
                    final FirewallEvent e = r < events.size() ? events.get(r) : null;
                    if (e != null) {
                        t.connectionEvents++;
                    } else {
                        t.misses.add(folder + " line " + (i + 1) + " record " + (r + 1) + ": no event: " + results.get(0).reason());
                    }
                    for (final String field : FIELDS) {
                        t.fields++;
                        final JsonNode want = records.get(r).get(field);
                        final Object got = e == null ? null : value(e, field);
                        final Object wanted = want == null || want.isNull() ? null : want.isInt() ? (Object) want.asInt() : want.asText();
                        if (e != null && Objects.equals(got, wanted)) {
                            t.fieldsRight++;
                        } else if (e != null) {
                            t.misses.add(folder + " line " + (i + 1) + " record " + (r + 1) + ": " + field + " " + got + ", expected " + wanted);
                        }
                    }
                }
            }
            out.put(folder, t);
        }
        return out;
    }

    private static Object value(final FirewallEvent e, final String field) {
        return switch (field) {
            case "srcIp" -> e.getSrcIp();
            case "srcPort" -> e.getSrcPort();
            case "dstIp" -> e.getDstIp();
            case "dstPort" -> e.getDstPort();
            case "protocol" -> e.getProtocol();
            case "action" -> e.getAction().name();
            default -> throw new IllegalArgumentException(field);
        };
    }

    private static List<String> read(final String resource) throws IOException {
        try (InputStream in = VendorCorpusTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void shouldReadTheVendorLinesWithinTheIssueThresholdsWhenParsingTheCorpus() throws IOException {
        // given the corpus, when
        final Map<String, Tally> perFormat = measure();

        // then
        final Tally all = new Tally();
        perFormat.forEach((format, t) -> {
            System.out.println("[vendor corpus] " + format + ": " + t);
            t.misses.forEach(m -> System.out.println("[vendor corpus]   " + m));
            all.add(t);
        });
        System.out.println("[vendor corpus] all: " + all);
        assertThat(all.fieldShare()).as("share of expected field values right").isGreaterThanOrEqualTo(0.97);
        assertThat(all.connectionShare()).as("share of connection records that become events").isGreaterThanOrEqualTo(0.97);
        assertThat(all.otherShare()).as("share of non-connection lines that become events").isLessThanOrEqualTo(0.02);
        assertThat(all.connections).isGreaterThanOrEqualTo(50);
        assertThat(all.others).isGreaterThanOrEqualTo(10);
    }
}
