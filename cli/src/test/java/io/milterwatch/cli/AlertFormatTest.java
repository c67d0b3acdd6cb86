package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.Severity;
import org.junit.jupiter.api.Test;

class AlertFormatTest {

    private static Alert.Builder alert() {
        return Alert.newBuilder().setAlertId("192.0.2.10:8891#1").setKey("192.0.2.10:8891").setIp("192.0.2.10").setPort(8891)
                .setTargetId("mx.example.test:8891").setSeverity(Severity.CRITICAL).setFromState(Exposure.UNKNOWN)
                .setToState(Exposure.EXPOSED).setSummary("milter answers from outside").setCreatedAtMs(1_764_324_000_000L);
    }

    @Test
    void shouldShowTheTargetsLabelsSortedWhenTheAlertHasLabels() {
        final String line = AlertFormat.alert(alert().setLabels(Map.of("site", "fra1", "owner", "mail-team")).build(), false);
        assertThat(line).endsWith("milter answers from outside  [owner=mail-team, site=fra1]");
    }

    @Test
    void shouldShowNoLabelBracketsWhenTheAlertHasNone() {
        assertThat(AlertFormat.alert(alert().build(), false)).endsWith("milter answers from outside");
    }
}
