package io.milterwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

    @Test
    void shouldWriteEnumsUnionsMapsAndNestedRecordsAsPlainJson() throws Exception {
        // when
        final String json = RecordJson.toJson(AvroSerdeTest.milterResult());
        final JsonNode node = RecordJson.mapper().readTree(json);
        // then
        assertThat(node.get("outcome").asText()).isEqualTo("MILTER");
        assertThat(node.get("zone").asText()).isEqualTo("EXTERNAL");
        assertThat(node.get("allowedZones").get(0).asText()).isEqualTo("INTERNAL");
        assertThat(node.get("milter").get("version").asInt()).isEqualTo(6);
        assertThat(node.get("milter").get("actions").asLong()).isEqualTo(0x1FF);
        assertThat(node.get("milter").get("symbols").get("1").asText()).isEqualTo("j {daemon_name}");
        assertThat(node.get("banner").isNull()).isTrue();
        assertThat(node.get("port").asInt()).isEqualTo(8891);
    }
}
