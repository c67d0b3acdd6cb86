package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import io.milterwatch.config.Setting;
import org.junit.jupiter.api.Test;

/** The README's configuration table documents every setting, with its real default. */
class ReadmeTest {

    @Test
    void shouldDocumentEverySettingWithItsDefault() throws Exception {
        final String readme = Files.readString(Path.of("..", "README.md"));
        for (final Setting s : ConnectionOptions.ALL_SETTINGS) {
            assertThat(readme).as(s.name()).contains("| `" + s.env() + "` | `" + s.name() + "` | `" + s.defaultValue() + "` |");
        }
        assertThat(readme).contains("./mvnw -B verify");
        assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("./mvnw -B verify");
    }
}
