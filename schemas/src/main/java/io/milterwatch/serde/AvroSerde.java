package io.milterwatch.serde;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
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

/**
 * Kafka serde for a generated Avro record using Avro single-object encoding: the two marker bytes
 * {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then Avro binary. Readers
 * know which schema wrote a record, and older writer schemas can be registered with
 * {@link #addWriterSchema(Schema)} so that records written before a schema change still decode.
 *
 * <p>A null value (a tombstone) serialises to null and back. Anything that cannot be decoded raises
 * a {@link RecordDecodeException} that says why.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    /** Largest record we accept; larger values are refused before any decoding work. */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    static {
        trustGeneratedPackage();
    }

    private final Class<T> type;
    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final SchemaStore.Cache writerSchemas = new SchemaStore.Cache();

    private AvroSerde(final Class<T> type, final Schema schema) {
        this.type = type;
        this.schema = schema;
        final SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, writerSchemas);
    }

    /** A serde for the generated class {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> of(final Class<T> type) {
        return new AvroSerde<>(type, SpecificData.get().getSchema(type));
    }

    /**
     * Registers an older (or newer) writer schema so that records written with it are resolved
     * against the current reader schema instead of being refused.
     */
    public AvroSerde<T> addWriterSchema(final Schema writer) {
        writerSchemas.addSchema(writer);
        decoder.addSchema(writer);
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
            throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes {@code bytes} read from {@code topic}; null stays null (a tombstone). */
    public T decode(final String topic, final byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        final String name = type.getSimpleName();
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
            final String fp = HexFormat.of().withUpperCase().formatHex(Arrays.copyOfRange(bytes, 2, 10));
            throw new RecordDecodeException(name, topic, "written with an unknown schema (fingerprint " + fp
                    + "; this reader knows " + fingerprint() + ")", e);
        } catch (final BadHeaderException e) {
            throw new RecordDecodeException(name, topic, "bad single-object header: " + e.getMessage(), e);
        } catch (final java.io.IOException | RuntimeException e) {
            // Truncated bodies surface as EOFException or AvroRuntimeException; corrupt lengths as
            // NegativeArraySize or ArrayIndexOutOfBounds; all mean the same thing to an operator.
            throw new RecordDecodeException(name, topic, "corrupt or truncated Avro body (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
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
        return "AvroSerde[" + type.getSimpleName() + ", " + fingerprint() + "]";
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof AvroSerde<?> other && other.type.equals(type);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type);
    }
}
