package io.milterwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    private static final Setting ZONE = new Setting("worker.zone", "EXTERNAL", "zone");
    private static final Setting PORTS = new Setting("worker.default.ports", "1981,8891", "ports");
    private static final List<Setting> SPEC = List.of(ZONE, PORTS, CommonSettings.BOOTSTRAP_SERVERS);

    @Test
    void shouldApplyPrecedenceDefaultFileEnvFlagWhenAllAreGiven(@TempDir final Path dir) throws Exception {
        // given
        final Path file = dir.resolve("mw.properties");
        Files.writeString(file, "worker.zone=INTERNAL\nbootstrap.servers=file:9092\nkafka.security.protocol=SSL\n");
        // when
        final Settings s = Settings.load(SPEC, file,
                Map.of("MILTERWATCH_BOOTSTRAP_SERVERS", "env:9092", "KAFKA_CLIENT_ID", "cid", "KAFKA_HEAP_OPTS", "-Xmx1g"),
                Map.of("worker.default.ports", "25"), Set.of("client.id", "security.protocol"));
        // then
        assertThat(s.string("worker.zone")).isEqualTo("INTERNAL");
        assertThat(s.string("bootstrap.servers")).isEqualTo("env:9092");
        assertThat(s.ports("worker.default.ports")).containsExactly(25);
        assertThat(s.kafkaOverrides()).containsEntry("security.protocol", "SSL").containsEntry("client.id", "cid")
                .doesNotContainKey("heap.opts");
        assertThat(s.origin("bootstrap.servers")).contains("MILTERWATCH_BOOTSTRAP_SERVERS");
    }

    @Test
    void shouldNameTheKeyWhenAValueIsBad() {
        final Settings s = Settings.load(SPEC, null, Map.of("MILTERWATCH_WORKER_DEFAULT_PORTS", "1981,70000"), Map.of(), Set.of());
        assertThatThrownBy(() -> s.ports("worker.default.ports")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("worker.default.ports:").hasMessageContaining("70000");
    }

    @Test
    void shouldFailFastWhenAnEnvironmentVariableIsMisspelt() {
        assertThatThrownBy(() -> Settings.load(SPEC, null, Map.of("MILTERWATCH_WORKER_ZOEN", "INTERNAL"), Map.of(), Set.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("MILTERWATCH_WORKER_ZOEN:")
                .hasMessageContaining("did you mean MILTERWATCH_WORKER_ZONE?");
        assertThatThrownBy(() -> Settings.load(SPEC, null, Map.of("MILTERWATCH_BOOTSTRAP_SERVER", "x:9092"), Map.of(), Set.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean MILTERWATCH_BOOTSTRAP_SERVERS?");
        assertThatThrownBy(() -> Settings.load(SPEC, null, Map.of("MILTERWATCH_JAVA_OPT", "-Xmx1g"), Map.of(), Set.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean MILTERWATCH_JAVA_OPTS?");
    }

    @Test
    void shouldWarnAndStartWhenAnEnvironmentVariableIsANewerVersionsSetting() {
        // given: a deployment that sets a variable a newer version reads, beside a real setting
        final Settings s = Settings.load(SPEC, null,
                Map.of("MILTERWATCH_PROCESSOR_ALERT_WEBHOOK_URL", "https://hooks.example/x", "MILTERWATCH_WORKER_ZONE", "INTERNAL"),
                Map.of(), Set.of());
        // then: it starts, says what it ignored, and the known setting is applied
        assertThat(s.string("worker.zone")).isEqualTo("INTERNAL");
        assertThat(s.warnings()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("MILTERWATCH_PROCESSOR_ALERT_WEBHOOK_URL: unknown environment variable, ignored");
    }

    @Test
    void shouldCountSwapsAsOneEditWhenMeasuringMisspellings() {
        assertThat(Settings.editDistance("ZONE", "ZOEN")).isEqualTo(1);
        assertThat(Settings.editDistance("ZONE", "ZONES")).isEqualTo(1);
        assertThat(Settings.editDistance("ZONE", "TONE")).isEqualTo(1);
        assertThat(Settings.editDistance("ZONE", "PORTS")).isEqualTo(4);
        assertThat(Settings.nearest("MILTERWATCH_WORKER_TIMEOUT_MS", List.of("MILTERWATCH_WORKER_ZONE"))).isNull();
    }

    @Test
    void shouldLeaveTheLaunchersJavaOptionsToTheLauncher() {
        // given: the JVM options ./milterwatch and the image's entrypoint pass to java, beside a real setting
        final Settings s = Settings.load(SPEC, null,
                Map.of(Settings.JAVA_OPTS_ENV, "-Xms256m -Xmx256m", "MILTERWATCH_WORKER_ZONE", "INTERNAL"), Map.of(), Set.of());
        // then: no setting takes them and the start goes on
        assertThat(s.string("worker.zone")).isEqualTo("INTERNAL");
        assertThat(s.kafkaOverrides()).isEmpty();
        assertThat(s.origin("worker.zone")).isEqualTo("environment MILTERWATCH_WORKER_ZONE");
    }

    @Test
    void shouldRefuseUnknownEnumValueNamingTheChoices() {
        final Settings s = Settings.load(SPEC, null, Map.of(), Map.of("worker.zone", "dmz"), Set.of());
        assertThatThrownBy(() -> s.enumValue("worker.zone", io.milterwatch.schema.Zone.class))
                .hasMessageStartingWith("worker.zone:").hasMessageContaining("EXTERNAL");
    }
}
