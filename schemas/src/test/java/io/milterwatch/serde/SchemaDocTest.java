package io.milterwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/** Every record and field of every schema is documented (house style). */
class SchemaDocTest {

    @Test
    void shouldDocumentEveryRecordAndField() {
        for (final Class<?> type : Records.GENERATED) {
            final Schema schema = SpecificData.get().getSchema(type);
            assertThat(schema.getDoc()).as(schema.getFullName()).isNotBlank();
            assertThat(schema.getNamespace()).isEqualTo("io.milterwatch.schema");
            if (schema.getType() == Schema.Type.RECORD) {
                for (final Schema.Field field : schema.getFields()) {
                    assertThat(field.doc()).as(schema.getName() + "." + field.name()).isNotBlank();
                }
            }
        }
    }
}
