package io.milterwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    static ProbeResult milterResult() {
        return ProbeResult.newBuilder()
                .setRequestId("r-1").setTargetId("mail:8891").setHost("mail").setIp("127.0.0.1").setPort(8891)
                .setVantage("outside").setZone(Zone.EXTERNAL).setAllowedZones(List.of(Zone.INTERNAL))
                .setOutcome(Outcome.MILTER)
                .setMilter(MilterHandshake.newBuilder().setVersion(6).setActions(0x1FF).setProtocol(0x1FFFFF)
                        .setSymbols(Map.of("1", "j {daemon_name}")).build())
                .setTotalMs(3).setProbedAtMs(1_700_000_000_000L).build();
    }

    @Test
    void shouldRoundTripWithSingleObjectHeaderWhenEncoding() {
        // given
        final ProbeResult result = milterResult();
        // when
        final byte[] bytes = Records.PROBE_RESULT.serializer().serialize("t", result);
        final ProbeResult back = Records.PROBE_RESULT.deserializer().deserialize("t", bytes);
        // then
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(back).isEqualTo(result);
        assertThat(back.getMilter().getSymbols()).containsEntry("1", "j {daemon_name}");
    }

    @Test
    void shouldKeepTombstonesNullWhenValueIsNull() {
        assertThat(Records.TARGET.serializer().serialize("t", null)).isNull();
        assertThat(Records.TARGET.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void shouldNameTopicAndProblemWhenBytesAreNotAvro() {
        assertThatThrownBy(() -> Records.TARGET.deserializer().deserialize("milterwatch.targets", "mail:25".getBytes()))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("Target")
                .hasMessageContaining("milterwatch.targets")
                .hasMessageContaining("not Avro single-object encoding");
    }

    @Test
    void shouldReportFingerprintWhenWriterSchemaIsUnknown() {
        // given: a record written by a schema nobody registered
        final byte[] bytes = Records.PROBE_RESULT.encode(milterResult());
        bytes[5] ^= 0x55;
        // then
        assertThatThrownBy(() -> Records.PROBE_RESULT.decode("x", bytes))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("unknown schema")
                .hasMessageContaining(Records.PROBE_RESULT.fingerprint());
    }

    @Test
    void shouldRefuseTruncatedBodyWithClearError() {
        final byte[] bytes = Records.PROBE_RESULT.encode(milterResult());
        final byte[] truncated = Arrays.copyOf(bytes, bytes.length - 20);
        assertThatThrownBy(() -> Records.PROBE_RESULT.decode("x", truncated))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("corrupt or truncated");
    }

    @Test
    void shouldDecodeRecordsOfOlderWriterSchemaWhenRegistered() {
        // given: an older Target schema without labels, interval, allowedZones and createdAtMs
        final Schema old = SchemaBuilder.record("Target").namespace("io.milterwatch.schema").fields()
                .requiredString("id").requiredString("host")
                .name("ports").type().array().items().intType().noDefault()
                .endRecord();
        final GenericRecord record = new GenericData.Record(old);
        record.put("id", "mx:1981");
        record.put("host", "mx");
        record.put("ports", List.of(1981));
        final byte[] bytes;
        try {
            bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(record).array();
        } catch (final java.io.IOException e) {
            throw new AssertionError(e);
        }
        final AvroSerde<Target> serde = AvroSerde.of(Target.class);
        assertThatThrownBy(() -> serde.decode("t", bytes)).isInstanceOf(RecordDecodeException.class);
        // when
        serde.addWriterSchema(old);
        final Target target = serde.decode("t", bytes);
        // then: the reader's defaults fill the new fields
        assertThat(target.getHost()).isEqualTo("mx");
        assertThat(target.getPorts()).containsExactly(1981);
        assertThat(target.getIntervalSeconds()).isEqualTo(300);
        assertThat(target.getAllowedZones()).containsExactly(Zone.INTERNAL);
    }

    @Test
    void shouldRefuseOversizedRecordBeforeDecoding() {
        final byte[] huge = new byte[AvroSerde.MAX_RECORD_BYTES + 1];
        assertThatThrownBy(() -> Records.ALERT.decode("a", huge)).hasMessageContaining("exceeds the limit");
    }
}
