package io.milterwatch.processor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.util.Map;
import java.util.Set;

import io.milterwatch.config.ConfigException;
import io.milterwatch.config.KafkaNames;
import io.milterwatch.config.Settings;
import io.milterwatch.processor.StreamsApp;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {

    private static ProcessorConfig load(final Map<String, String> flags) {
        return ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null, Map.of(), flags, Set.of()));
    }

    @Test
    void shouldUseTheParserDefaultsWhenNoFirewallSettingIsGiven() {
        final ProcessorConfig config = load(Map.of());
        assertThat(config.firewall().zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(config.firewall().prefixRules()).isNull();
        assertThat(config.firewall().vpcFormat()).isNull();
        assertThat(config.firewall().maxLineChars()).isEqualTo(2048);
    }

    @Test
    void shouldReadFirewallSettingsWhenTheyAreGiven() {
        final ProcessorConfig config = load(Map.of("processor.firewall.zone", "Europe/Berlin",
                "processor.firewall.prefix.actions", "MW-IN=ALLOW", "processor.firewall.vpc.format", "${version} ${srcaddr} ${dstaddr} ${action}",
                "processor.firewall.max.line.chars", "512"));
        assertThat(config.firewall().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(config.firewall().prefixRules()).isEqualTo("MW-IN=ALLOW");
        assertThat(config.firewall().vpcFormat()).startsWith("${version}");
        assertThat(config.firewall().maxLineChars()).isEqualTo(512);
    }

    @Test
    void shouldRememberResultIdsForAnHourUnlessToldOtherwise() {
        assertThat(load(Map.of()).dedupeRetention()).isEqualTo(java.time.Duration.ofHours(1));
        assertThat(load(Map.of("processor.dedupe.retention.ms", "7200000")).dedupeRetention()).isEqualTo(java.time.Duration.ofHours(2));
        assertThatThrownBy(() -> load(Map.of("processor.dedupe.retention.ms", "1000"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.dedupe.retention.ms");
    }

    @Test
    void shouldKeepStandbyReplicasWhenTheSettingAsksForThem() {
        assertThat(StreamsApp.properties(load(Map.of())).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(0);
        assertThat(StreamsApp.properties(load(Map.of("processor.standby.replicas", "1"))).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG))
                .isEqualTo(1);
        assertThatThrownBy(() -> load(Map.of("processor.standby.replicas", "-1"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.standby.replicas");
    }

    @Test
    void shouldLetKafkaNumStandbyReplicasWinWhenBothAreGiven() {
        // given: the Kafka name set through the environment, as any Kafka Streams property may be
        final ProcessorConfig config = ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null,
                Map.of("KAFKA_NUM_STANDBY_REPLICAS", "2"), Map.of("processor.standby.replicas", "1"),
                KafkaNames.with(StreamsConfig.configDef().names())));
        // then
        assertThat(StreamsApp.properties(config).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo("2");
    }

    @Test
    void shouldNameTheKeyWhenAFirewallSettingIsBad() {
        assertThatThrownBy(() -> load(Map.of("processor.firewall.zone", "Mars/Olympus"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.firewall.zone").hasMessageContaining("Mars/Olympus");
        assertThatThrownBy(() -> load(Map.of("processor.firewall.prefix.actions", "X=MAYBE"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.firewall.prefix.actions").hasMessageContaining("MAYBE");
        assertThatThrownBy(() -> load(Map.of("processor.firewall.vpc.format", "${version} ${action}"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.firewall.vpc.format").hasMessageContaining("srcaddr");
    }
}
