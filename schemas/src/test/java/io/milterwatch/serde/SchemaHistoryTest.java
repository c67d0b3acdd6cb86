package io.milterwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema history (schemas/src/main/avro-history) against today's schemas: the build fails when
 * a schema changes without a history entry, when an old version can no longer be read, and when a
 * change breaks the forward rule rolling upgrades rely on (docs/upgrading.md). The fixtures were
 * encoded once by {@code schemas/tools/schema-history fixtures} with each old schema; their JSON
 * twin is the expected value.
 */
class SchemaHistoryTest {

    /** Where each record is written: every topic and every state store (its changelog) that holds it. */
    static final Map<String, List<String>> WRITTEN_TO = Map.of(
            "Target", List.of("topic milterwatch.targets", "store target-registry-store"),
            "ProbeRequest", List.of("topic milterwatch.probe-requests"),
            "ProbeResult", List.of("topic milterwatch.probe-results"),
            "FirewallEvent", List.of("topic milterwatch.firewall.events"),
            "ExposureState", List.of("topic milterwatch.exposure.state", "store exposure-store"),
            "Alert", List.of("topic milterwatch.alerts.exposure", "topic milterwatch.alerts.regression"),
            "TargetHealth", List.of("topic milterwatch.target.health", "store target-health-store"));

    /**
     * Version pairs exempt from the forward rule, each with why. They upgrade (an old record is read
     * by the new version: checked above) but a reader of the older version cannot read the newer.
     */
    static final Map<String, String> EXEMPT_FROM_THE_FORWARD_RULE = Map.of(
            "ExposureState v1->v2", "written before the rule existed (2026-11-28, hours before the next version, no release between)",
            "Alert v1->v2", "written before the rule existed: the ProbeResult it nests as evidence gained fields",
            "Alert v2->v3", "the ProbeResult it nests as evidence gained labels; alerts are an output (users, the alerts command, the "
                    + "processor's alert feed): no processor or worker reads them to do its work, and an N-1 alert feed skips them "
                    + "with a warning (docs/upgrading.md)",
            "Alert v3->v4", "the ProbeResult it nests as evidence gained sweep (port sweeps); as for v2->v3, alerts are an output "
                    + "no processor or worker reads to do its work, and an N-1 alert feed skips them with a warning");

    static Stream<Arguments> serdes() {
        return Records.ALL.stream().map(s -> Arguments.of(s.schema().getName(), s));
    }

    static Stream<Arguments> versions() {
        final List<Arguments> all = new ArrayList<>();
        for (final AvroSerde<?> serde : Records.ALL) {
            final List<Schema> versions = SchemaHistory.versions(serde.schema().getName());
            for (int n = 1; n <= versions.size(); n++) {
                for (final String where : WRITTEN_TO.get(serde.schema().getName())) {
                    all.add(Arguments.of(serde.schema().getName() + " v" + n + " in " + where, serde, n));
                }
            }
        }
        return all.stream();
    }

    static Stream<Arguments> successions() {
        final List<Arguments> all = new ArrayList<>();
        for (final AvroSerde<?> serde : Records.ALL) {
            final List<Schema> versions = SchemaHistory.versions(serde.schema().getName());
            for (int n = 2; n <= versions.size(); n++) {
                final String pair = serde.schema().getName() + " v" + (n - 1) + "->v" + n;
                if (!EXEMPT_FROM_THE_FORWARD_RULE.containsKey(pair)) {
                    all.add(Arguments.of(pair, serde.schema().getName(), n));
                }
            }
        }
        return all.stream();
    }

    @Test
    void shouldKnowEveryRecordWrittenWhenListingWhereRecordsGo() {
        assertThat(Records.ALL).extracting(s -> s.schema().getName()).containsExactlyInAnyOrderElementsOf(WRITTEN_TO.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serdes")
    void shouldKeepTheCurrentSchemaAsTheNewestHistoryEntryWhenARecordIsWritten(final String record, final AvroSerde<?> serde) {
        final List<Schema> versions = SchemaHistory.versions(record);
        assertThat(versions).as("schema history of %s (run schemas/tools/schema-history history)", record).isNotEmpty();
        // Names, types, defaults, aliases and order: all that resolution depends on (docs are not).
        assertThat(resolutionForm(versions.get(versions.size() - 1)))
                .as("%s in schemas/src/main/avro differs from its newest history entry avro-history/%s/v%d.avsc: a schema change must "
                        + "add a history entry (run schemas/tools/schema-history history, then fixtures)", record, record, versions.size())
                .isEqualTo(resolutionForm(serde.schema()));
        assertThat(versions.stream().map(SchemaNormalization::parsingFingerprint64).distinct()).as("distinct versions").hasSameSizeAs(versions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void shouldReadEveryHistoryVersionWhenTheCurrentSchemaResolvesIt(final String name, final AvroSerde<?> serde, final int version) {
        final Schema writer = SchemaHistory.versions(serde.schema().getName()).get(version - 1);
        final SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(serde.schema(), writer);
        assertThat(result.getType()).as("%s: %s", name, result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void shouldDecodeEachVersionsFixtureToItsExpectedValueWhenReadByTodaysSerde(final String name, final AvroSerde<?> serde,
            final int version) {
        // given: a record encoded once with version N's schema, and its value as Avro JSON
        final String record = serde.schema().getName();
        final Schema writer = SchemaHistory.versions(record).get(version - 1);
        final byte[] bytes = fixture(record, version, "bin");
        final GenericRecord expected = readJson(writer, record, version);
        assertThat(Arrays.copyOfRange(bytes, 2, 10)).as("fixture fingerprint").isEqualTo(wireFingerprint(writer));
        // when
        final IndexedRecord decoded = serde.decode("fixture", bytes);
        // then
        assertSameValue(record, decoded, expected, serde.schema());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("successions")
    void shouldOnlyAppendFieldsWithDefaultsWhenAVersionFollowsAnother(final String pair, final String record, final int version) {
        final Schema older = SchemaHistory.versions(record).get(version - 2);
        final Schema newer = SchemaHistory.versions(record).get(version - 1);
        assertThat(newer.getFields().size()).as("%s: fields", pair).isGreaterThan(older.getFields().size());
        for (final Schema.Field field : older.getFields()) {
            final Schema.Field same = newer.getFields().get(field.pos());
            assertThat(same.name()).as("%s: field %d", pair, field.pos()).isEqualTo(field.name());
            assertThat(same.schema()).as("%s: type of %s (a nested type may not change either)", pair, field.name()).isEqualTo(field.schema());
        }
        for (final Schema.Field added : newer.getFields().subList(older.getFields().size(), newer.getFields().size())) {
            assertThat(added.hasDefaultValue()).as("%s: appended field %s has a default", pair, added.name()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("successions")
    void shouldReadANewerVersionsRecordByItsKnownFieldsWhenAnOlderReaderGetsIt(final String pair, final String record, final int version) {
        // given: a reader of version N-1 that knows versions 1..N-1, and a record written by version N
        final List<Schema> history = SchemaHistory.versions(record);
        final AvroSerde<GenericRecord> olderReader = AvroSerde.generic(history.get(version - 2));
        history.subList(0, version - 2).forEach(olderReader::addWriterSchema);
        final byte[] bytes = fixture(record, version, "bin");
        // when
        final GenericRecord decoded = olderReader.decode("fixture", bytes);
        // then: the fields it knows, as written; the appended ones skipped
        final GenericRecord written = readJson(history.get(version - 1), record, version);
        assertSameValue(pair, decoded, written, history.get(version - 2));
        assertThat(olderReader.newerSchemaReads()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serdes")
    void shouldReadTheNextVersionsRecordWhenItAppendsAFieldWithADefault(final String record, final AvroSerde<?> serde) {
        // given: the next release appends a field, as the rule allows, and writes a record with it
        final String current = serde.schema().toString();
        final String next = current.substring(0, current.length() - 2)
                + ",{\"name\":\"addedLater\",\"type\":\"string\",\"default\":\"\"}]}";
        final Schema nextSchema = new Schema.Parser().parse(next);
        final GenericRecord value = readJson(SchemaHistory.versions(record).get(SchemaHistory.versions(record).size() - 1), record,
                SchemaHistory.versions(record).size());
        final GenericData.Record newer = new GenericData.Record(nextSchema);
        for (final Schema.Field f : serde.schema().getFields()) {
            newer.put(f.name(), value.get(f.name()));
        }
        newer.put("addedLater", "a value this version never saw");
        final byte[] bytes = AvroSerde.generic(nextSchema).encode(newer);
        final long before = serde.newerSchemaReads();
        // when
        final IndexedRecord decoded = serde.decode("next", bytes);
        // then
        assertSameValue(record, decoded, value, serde.schema());
        assertThat(serde.newerSchemaReads()).isEqualTo(before + 1);
    }

    @Test
    void shouldRefuseAnUnknownSchemaWhenItsBodyIsNotTheKnownFieldsFollowedByMore() {
        // given: an unknown fingerprint over a body too short for the fields this version knows
        final byte[] full = fixture("ExposureState", SchemaHistory.versions("ExposureState").size(), "bin");
        final byte[] bytes = Arrays.copyOf(full, 14);
        bytes[4] ^= 0x55;
        // then
        assertThatThrownBy(() -> Records.EXPOSURE_STATE.decode("milterwatch.exposure.state", bytes))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("unknown schema")
                .hasMessageContaining("not this version's fields");
    }

    /** Compares a decoded value with the expected one field by field of the reader's schema; fields the writer lacked must hold their default. */
    static void assertSameValue(final String path, final Object actual, final Object expected, final Schema reader) {
        if (actual instanceof IndexedRecord a && reader.getType() == Schema.Type.RECORD) {
            final GenericRecord e = (GenericRecord) expected;
            for (final Schema.Field f : reader.getFields()) {
                final Object want = e.getSchema().getField(f.name()) != null ? e.get(f.name()) : GenericData.get().getDefaultValue(f);
                assertSameValue(path + "." + f.name(), a.get(f.pos()), want, f.schema());
            }
        } else if (reader.getType() == Schema.Type.UNION && actual != null) {
            final int branch = GenericData.get().resolveUnion(reader, actual);
            assertSameValue(path, actual, expected, reader.getTypes().get(branch));
        } else if (actual instanceof List<?> a) {
            final List<?> e = (List<?>) expected;
            assertThat(a).as(path).hasSameSizeAs(e);
            for (int i = 0; i < a.size(); i++) {
                assertSameValue(path + "[" + i + "]", a.get(i), e.get(i), reader.getElementType());
            }
        } else if (actual instanceof Map<?, ?> a) {
            final Map<?, ?> e = (Map<?, ?>) expected;
            assertThat(a.keySet().stream().map(Object::toString)).as(path + " keys")
                    .containsExactlyInAnyOrderElementsOf(e.keySet().stream().map(Object::toString).toList());
            for (final Map.Entry<?, ?> entry : a.entrySet()) {
                final Object want = e.entrySet().stream().filter(x -> x.getKey().toString().equals(entry.getKey().toString()))
                        .findFirst().orElseThrow().getValue();
                assertSameValue(path + "{" + entry.getKey() + "}", entry.getValue(), want, reader.getValueType());
            }
        } else {
            // Strings as Utf8 or String, enums as generated or generic symbols: compare their text.
            assertThat(String.valueOf(actual)).as(path).isEqualTo(String.valueOf(expected));
        }
    }

    /** The schema as JSON without docs and without the generated classes' Java string hint. */
    static JsonNode resolutionForm(final Schema schema) {
        try {
            final ObjectMapper json = new ObjectMapper();
            final JsonNode tree = json.readTree(schema.toString());
            strip(tree);
            // Parsed again so that {"type": "string"} left by the stripping prints as "string".
            return json.readTree(new Schema.Parser().parse(tree.toString()).toString());
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void strip(final JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(List.of("doc", "avro.java.string"));
        }
        node.forEach(SchemaHistoryTest::strip);
    }

    static GenericRecord readJson(final Schema writer, final String record, final int version) {
        try {
            final String json = new String(fixture(record, version, "json"), StandardCharsets.UTF_8);
            return new GenericDatumReader<GenericRecord>(writer).read(null, DecoderFactory.get().jsonDecoder(writer, json));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] fixture(final String record, final int version, final String extension) {
        final String resource = "/schema-fixtures/" + record + "/v" + version + "." + extension;
        try (InputStream in = SchemaHistoryTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("fixture %s (run schemas/tools/schema-history fixtures)", resource).isNotNull();
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] wireFingerprint(final Schema schema) {
        final long fp = SchemaNormalization.parsingFingerprint64(schema);
        final byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (fp >>> (8 * i));
        }
        return out;
    }

    @Test
    void shouldDecodeTheExposureStateOfTheIssueWhenItWasWrittenBeforeDuplicateResults() {
        // The fingerprint in issue 16's log: ExposureState as commit 2469210 wrote it.
        final List<Schema> versions = SchemaHistory.versions("ExposureState");
        final Schema v4 = versions.get(3);
        assertThat(HexFormat.of().withUpperCase().formatHex(wireFingerprint(v4))).isEqualTo("9E258725263FA571");
        assertThat(v4.getField("duplicateResults")).isNull();
        assertThat(Records.EXPOSURE_STATE.decode("milterwatch-processor-exposure-store-changelog", fixture("ExposureState", 4, "bin")))
                .satisfies(s -> assertThat(s.getDuplicateResults()).isZero());
    }
}
