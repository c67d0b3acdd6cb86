package io.milterwatch.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;

/**
 * Every schema a record has been written with, oldest first, as kept in
 * {@code schemas/src/main/avro-history/<Record>/v<N>.avsc} (on the classpath under {@code avro-history/}).
 * The files are added by {@code schemas/tools/schema-history history}; {@code SchemaHistoryTest} fails
 * the build when the current schema is not the newest of them.
 */
public final class SchemaHistory {

    private static final String ROOT = "avro-history/";

    private SchemaHistory() {
    }

    /** The versions of the record named {@code recordName} (simple name), v1 first; empty when it has no history. */
    public static List<Schema> versions(final String recordName) {
        final List<Schema> versions = new ArrayList<>();
        for (int n = 1; ; n++) {
            final String resource = ROOT + recordName + "/v" + n + ".avsc";
            try (InputStream in = SchemaHistory.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    return List.copyOf(versions);
                }
                // A parser per file: each version defines the nested types anew.
                versions.add(new Schema.Parser().parse(in));
            } catch (final IOException e) {
                throw new UncheckedIOException("cannot read schema history file " + resource, e);
            }
        }
    }
}
