package io.milterwatch.serde;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka serde for a generated Avro record using Avro single-object encoding: the two marker bytes
 * {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then Avro binary. Readers
 * know which schema wrote a record, and older writer schemas are registered with
 * {@link #addWriterSchema(Schema)} ({@link #withHistory()} registers every version kept in the schema
 * history) so that records written before a schema change still decode.
 *
 * <p>A record written with a schema this reader has never seen (a newer version, during a rolling
 * upgrade) is read by its prefix: the schema rule (docs/upgrading.md, checked by
 * {@code SchemaHistoryTest}) is that a new version only appends fields, with defaults, at the end of
 * the top-level record, so the bytes of a newer record start with exactly the fields this reader
 * knows. The appended fields are skipped; each such fingerprint is logged once and counted
 * ({@link #newerSchemaReads()}).
 *
 * <p>A null value (a tombstone) serialises to null and back. Anything that cannot be decoded raises
 * a {@link RecordDecodeException} that says why.
 */
public final class AvroSerde<T extends IndexedRecord> implements Serde<T> {

    private static final Logger LOG = LoggerFactory.getLogger(AvroSerde.class);

    /** Largest record we accept; larger values are refused before any decoding work. */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    static {
        trustGeneratedPackage();
    }

    private final String name;
    private final Schema schema;
    private final GenericData model;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final SchemaStore.Cache writerSchemas = new SchemaStore.Cache();
    private final Set<String> newerFingerprintsSeen = ConcurrentHashMap.newKeySet();
    private final AtomicLong newerSchemaReads = new AtomicLong();
    private final Set<Long> olderSchemas = ConcurrentHashMap.newKeySet();

    private AvroSerde(final String name, final Schema schema, final GenericData model) {
        this.name = name;
        this.schema = schema;
        this.model = model;
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, writerSchemas);
    }

    /** A serde for the generated class {@code type}, knowing only its current schema. */
    public static <T extends SpecificRecord> AvroSerde<T> of(final Class<T> type) {
        return new AvroSerde<>(type.getSimpleName(), SpecificData.get().getSchema(type), SpecificData.getForClass(type));
    }

    /**
     * A serde for generic records of {@code schema}: what a reader of another version sees (tests
     * of the upgrade rules, tools that write records of an older version).
     */
    public static AvroSerde<GenericRecord> generic(final Schema schema) {
        return new AvroSerde<>(schema.getName(), schema, GenericData.get());
    }

    /** Registers every version of this record kept in the schema history as a writer schema. */
    public AvroSerde<T> withHistory() {
        for (final Schema version : SchemaHistory.versions(name)) {
            addWriterSchema(version);
        }
        return this;
    }

    /** How many records this serde has read by their prefix, written with a schema it does not know. */
    public long newerSchemaReads() {
        return newerSchemaReads.get();
    }

    /**
     * Registers an older (or newer) writer schema so that records written with it are resolved
     * against the current reader schema instead of being refused.
     */
    public AvroSerde<T> addWriterSchema(final Schema writer) {
        writerSchemas.addSchema(writer);
        decoder.addSchema(writer);
        final long fp = SchemaNormalization.parsingFingerprint64(writer);
        if (fp != SchemaNormalization.parsingFingerprint64(schema)) {
            olderSchemas.add(fp);
        }
        return this;
    }

    public Schema schema() {
        return schema;
    }

    /** The CRC-64-AVRO fingerprint this serde writes, as 16 hex digits. */
    public String fingerprint() {
        return HexFormat.of().withUpperCase().formatHex(longBytes(SchemaNormalization.parsingFingerprint64(schema)));
    }

    public byte[] encode(final T value) {
        if (value == null) {
            return null;
        }
        try {
            final ByteBuffer buffer = encoder.encode(value);
            final byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (final java.io.IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new SerializationException("cannot encode " + name + ": " + e.getMessage(), e);
        }
    }

    /** Decodes {@code bytes} read from {@code topic}; null stays null (a tombstone). */
    public T decode(final String topic, final byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            throw new RecordDecodeException(name, topic, "record of " + bytes.length + " bytes exceeds the limit of " + MAX_RECORD_BYTES, null);
        }
        if (bytes.length < 10 || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
            throw new RecordDecodeException(name, topic, "not Avro single-object encoding (expected marker C3 01 and a fingerprint, got "
                    + describe(bytes) + ")", null);
        }
        try {
            return decoder.decode(bytes);
        } catch (final MissingSchemaException e) {
            return decodeNewer(topic, bytes, e);
        } catch (final BadHeaderException e) {
            throw new RecordDecodeException(name, topic, "bad single-object header: " + e.getMessage(), e);
        } catch (final java.io.IOException | RuntimeException e) {
            // Truncated bodies surface as EOFException or AvroRuntimeException; corrupt lengths as
            // NegativeArraySize or ArrayIndexOutOfBounds; all mean the same thing to an operator.
            throw new RecordDecodeException(name, topic, "corrupt or truncated Avro body (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /**
     * Reads a record of an unknown (newer) writer schema by the fields this reader knows, which a
     * newer version writes first; anything that does not decode so is refused as before.
     */
    private T decodeNewer(final String topic, final byte[] bytes, final MissingSchemaException missing) {
        final String fp = HexFormat.of().withUpperCase().formatHex(Arrays.copyOfRange(bytes, 2, 10));
        final String unknown = "written with an unknown schema (fingerprint " + fp + "; this reader writes " + fingerprint()
                + " and knows " + olderSchemas.size() + " older version(s))";
        final T value;
        final boolean appended;
        try {
            final BinaryDecoder body = DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null);
            @SuppressWarnings("unchecked")
            final GenericDatumReader<T> reader = (GenericDatumReader<T>) model.createDatumReader(schema);
            value = reader.read(null, body);
            appended = !body.isEnd();
        } catch (final java.io.IOException | RuntimeException e) {
            throw new RecordDecodeException(name, topic, unknown + ", and its first fields are not this version's fields ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", missing);
        }
        if (!appended) {
            // A newer version appends at least one field, and every field type we use takes a byte at
            // least; the same layout under another fingerprint is a different schema, not a newer one.
            throw new RecordDecodeException(name, topic, unknown + ", and nothing follows this version's fields: not a newer version", missing);
        }
        newerSchemaReads.incrementAndGet();
        if (newerFingerprintsSeen.add(fp)) {
            LOG.warn("{} on topic {} written with a schema this version does not know (fingerprint {}, this version writes {}): "
                    + "read by the fields this version knows, as a newer version's appended fields are skipped (docs/upgrading.md)",
                    name, topic, fp, fingerprint());
        }
        return value;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::decode;
    }

    private static String describe(final byte[] bytes) {
        final int n = Math.min(bytes.length, 8);
        return bytes.length + " bytes starting " + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes, 0, n);
    }

    private static byte[] longBytes(final long value) {
        // Single-object encoding stores the fingerprint little-endian; show it as it appears on the wire.
        final byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    /**
     * Avro refuses to instantiate classes from packages it does not trust when it decodes; the
     * generated records live in one package of ours, which is trusted here once for the JVM.
     */
    private static void trustGeneratedPackage() {
        final ClassSecurityValidator.Builder trusted = ClassSecurityValidator.builder();
        for (final Class<?> generated : Records.GENERATED) {
            trusted.add(generated);
        }
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), trusted.build()));
    }

    @Override
    public String toString() {
        return "AvroSerde[" + name + ", " + fingerprint() + "]";
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof AvroSerde<?> other && other.schema.equals(schema);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema.getFullName());
    }
}
