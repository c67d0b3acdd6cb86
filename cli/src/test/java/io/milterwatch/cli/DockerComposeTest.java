package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.milterwatch.config.Setting;
import io.milterwatch.config.Settings;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.worker.config.WorkerConfig;
import kafka.server.KafkaConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker is not available on every machine that builds this, so docker-compose.yml is checked
 * here: every variable it gives our services is one they read (and its value is valid), every
 * variable it gives the broker is a real broker setting, and every command is a real subcommand.
 */
class DockerComposeTest {

    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        try (Reader r = Files.newBufferedReader(Path.of("..", "docker-compose.yml"))) {
            final Map<String, Object> compose = new Yaml().load(r);
            services = (Map<String, Map<String, Object>>) compose.get("services");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(final Map<String, Object> service) {
        final Map<String, Object> raw = (Map<String, Object>) service.getOrDefault("environment", Map.of());
        return raw.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue()), (a, b) -> b, TreeMap::new));
    }

    private static Map<String, Map<String, Object>> ours() {
        return services.entrySet().stream().filter(e -> e.getValue().containsKey("build"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void shouldSetOnlyVariablesOurAppsReadWithValidValues() {
        final Set<String> ourVars = ConnectionOptions.ALL_SETTINGS.stream().map(Setting::env).collect(Collectors.toSet());
        assertThat(ours()).containsKeys("processor", "worker-external");
        ours().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            assertThat(env).as(name).isNotEmpty();
            for (final String var : env.keySet()) {
                if (var.startsWith(Settings.KAFKA_ENV_PREFIX)) {
                    assertThat(KafkaNames.ALL).as(name + ": " + var + " must map to a Kafka client property")
                            .contains(Settings.kafkaPropertyFor(var));
                } else {
                    assertThat(ourVars).as(name + ": " + var + " is read by no milterwatch setting").contains(var);
                }
            }
            // and the values themselves pass the apps' own validation
            final Settings s = Settings.load(ConnectionOptions.ALL_SETTINGS, null, env, Map.of(), KafkaNames.ALL);
            final String command = ((List<?>) service.get("command")).get(0).toString();
            if (command.equals("worker")) {
                assertThat(WorkerConfig.from(s).bootstrapServers()).isEqualTo("kafka:9092");
            } else {
                assertThat(ProcessorConfig.from(s).bootstrapServers()).isEqualTo("kafka:9092");
            }
        });
    }

    @Test
    void shouldRunRealSubcommands() {
        final Set<String> subcommands = Main.commandLine().getSubcommands().keySet();
        ours().forEach((name, service) -> assertThat(subcommands).as(name).contains(((List<?>) service.get("command")).get(0).toString()));
    }

    @Test
    void shouldGiveTheBrokerOnlyRealBrokerSettings() {
        final Set<String> brokerNames = KafkaConfig.configDef().names();
        final Map<String, String> env = env(services.get("kafka"));
        assertThat(env).isNotEmpty();
        for (final String var : env.keySet()) {
            assertThat(brokerNames).as("kafka: " + var).contains(Settings.kafkaPropertyFor(var));
        }
    }
}
