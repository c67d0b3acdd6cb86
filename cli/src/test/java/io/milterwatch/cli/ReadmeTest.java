package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.milterwatch.config.Setting;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is generated from the {@link Setting} declarations
 * ({@link SettingsReference}) and checked here: every declared setting has its row with its
 * environment variable, property, default and description, and every row is a declared setting.
 * After adding or changing a setting, regenerate the table with
 * {@value SettingsReference#UPDATE_COMMAND} and commit README.md.
 */
class ReadmeTest {

    private static final Path README = Path.of("..", "README.md");

    @Test
    void shouldOfferEveryDeclaredSettingThroughTheCommands() throws Exception {
        // given: every static Setting of every main class, found from the sources
        final Map<String, Setting> declared = SettingsReference.declared(Path.of(".."));
        // then: the classes the commands load settings from hold them all, under distinct names
        assertThat(declared).as("no settings found: the scan is broken").hasSizeGreaterThanOrEqualTo(ConnectionOptions.ALL_SETTINGS.size());
        declared.forEach((field, setting) -> assertThat(ConnectionOptions.ALL_SETTINGS)
                .as(field + " (" + setting.name() + ") is declared but in no settings list the commands read "
                        + "(add it to its class's list, or a new class to ConnectionOptions.ALL_SETTINGS)")
                .contains(setting));
        assertThat(ConnectionOptions.ALL_SETTINGS.stream().map(Setting::name)).doesNotHaveDuplicates();
        assertThat(ConnectionOptions.ALL_SETTINGS.stream().map(Setting::env)).doesNotHaveDuplicates();
        assertThat(ConnectionOptions.ALL_SETTINGS).allSatisfy(s -> assertThat(s.doc()).as(s.name()).isNotBlank());
    }

    @Test
    void shouldDocumentEverySettingExactlyAsDeclared() throws Exception {
        final String readme = Files.readString(README);
        final List<String> lines = readme.lines().toList();
        final int begin = lines.indexOf(SettingsReference.BEGIN);
        final int end = lines.indexOf(SettingsReference.END);
        assertThat(begin).as("README.md lacks the line " + SettingsReference.BEGIN).isNotNegative();
        assertThat(end).as("README.md lacks the line " + SettingsReference.END).isGreaterThan(begin);
        final List<String> expected = SettingsReference.table(ConnectionOptions.ALL_SETTINGS);
        final List<String> actual = lines.subList(begin + 1, end);

        if (!actual.equals(expected) && Boolean.getBoolean(SettingsReference.UPDATE_PROPERTY)) {
            final List<String> updated = new ArrayList<>(lines.subList(0, begin + 1));
            updated.addAll(expected);
            updated.addAll(lines.subList(end, lines.size()));
            Files.writeString(README, String.join("\n", updated) + (readme.endsWith("\n") ? "\n" : ""));
            return;
        }
        if (!actual.equals(expected)) {
            fail(difference(expected, actual));
        }
        // and no second, hand-written table of our variables anywhere else
        final List<String> outside = new ArrayList<>(lines.subList(0, begin));
        outside.addAll(lines.subList(end + 1, lines.size()));
        assertThat(outside).as("rows of settings outside the generated table").noneMatch(l -> l.startsWith("| `" + Setting.ENV_PREFIX));
    }

    @Test
    void shouldRenderOneRowPerSettingWithItsDefaultAndEscapedPipes() {
        final Setting plain = new Setting("worker.zone", "EXTERNAL", "Zone");
        final Setting empty = new Setting("worker.source.address", "", "Local address");
        final Setting pipes = new Setting("processor.firewall.prefix.actions", "a|b", "TEXT=ALLOW|DROP");
        assertThat(SettingsReference.table(List.of(plain, empty, pipes))).containsExactly(
                "| environment variable | property | default | read by | meaning |",
                "|---|---|---|---|---|",
                "| `MILTERWATCH_WORKER_ZONE` | `worker.zone` | `EXTERNAL` | cli | Zone |",
                "| `MILTERWATCH_WORKER_SOURCE_ADDRESS` | `worker.source.address` | (empty) | cli | Local address |",
                "| `MILTERWATCH_PROCESSOR_FIREWALL_PREFIX_ACTIONS` | `processor.firewall.prefix.actions` | `a\\|b` | cli | TEXT=ALLOW\\|DROP |");
        assertThat(SettingsReference.readBy(io.milterwatch.config.CommonSettings.BOOTSTRAP_SERVERS)).isEqualTo("all");
        assertThat(SettingsReference.readBy(io.milterwatch.worker.config.WorkerSettings.ZONE)).isEqualTo("worker");
        assertThat(SettingsReference.readBy(io.milterwatch.processor.config.ProcessorSettings.HTTP_PORT)).isEqualTo("processor");
    }

    @Test
    void shouldGiveTheTestCommandCiRuns() throws Exception {
        assertThat(Files.readString(README)).contains("./mvnw -B verify");
        assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("./mvnw -B verify");
    }

    /** What differs, row by row, and how to fix it. */
    private static String difference(final List<String> expected, final List<String> actual) {
        final Set<String> want = new LinkedHashSet<>(expected);
        final Set<String> have = new LinkedHashSet<>(actual);
        final String missing = want.stream().filter(r -> !have.contains(r)).map(r -> "  - " + r).collect(Collectors.joining("\n"));
        final String extra = have.stream().filter(r -> !want.contains(r)).map(r -> "  + " + r).collect(Collectors.joining("\n"));
        final StringBuilder b = new StringBuilder("README.md's settings table differs from the Setting declarations.\n");
        if (!missing.isEmpty()) {
            b.append("Rows the declarations give that README.md lacks (-):\n").append(missing).append('\n');
        }
        if (!extra.isEmpty()) {
            b.append("Rows in README.md that no declaration gives (+):\n").append(extra).append('\n');
        }
        if (missing.isEmpty() && extra.isEmpty()) {
            b.append("Same rows, in another order or with duplicates.\n");
        }
        return b.append("Regenerate the table and commit README.md:\n  ").append(SettingsReference.UPDATE_COMMAND).toString();
    }
}
