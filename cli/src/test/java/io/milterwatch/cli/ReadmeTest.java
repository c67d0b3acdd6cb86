package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.milterwatch.config.Setting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The settings table in docs/configuration.md is generated from the {@link Setting} declarations
 * ({@code milterwatch settings --markdown}, spliced in by {@value SettingsReference#UPDATE_COMMAND})
 * and checked here, never written: every declared setting has its row with its environment
 * variable, property, default and description, every row is a declared setting, and no other page
 * holds a hand-written copy. The README keeps the test command CI runs.
 */
class ReadmeTest {

    private static final Path ROOT = Path.of("..");
    private static final Path README = ROOT.resolve("README.md");
    private static final Path CONFIGURATION = ROOT.resolve(SettingsReference.DOC);

    @Test
    void shouldOfferEveryDeclaredSettingThroughTheCommands() throws Exception {
        // given: every static Setting of every main class, found from the sources
        final Map<String, Setting> declared = declared(ROOT);
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
        // given: the page the table lives in
        assertThat(CONFIGURATION).as(SettingsReference.DOC + " is missing; restore it (git checkout -- " + SettingsReference.DOC
                + ") and run " + SettingsReference.UPDATE_COMMAND).isRegularFile();
        final List<String> lines = Files.readAllLines(CONFIGURATION);
        final int begin = lines.indexOf(SettingsReference.BEGIN);
        final int end = lines.indexOf(SettingsReference.END);
        assertThat(begin).as(SettingsReference.DOC + " lacks the line " + SettingsReference.BEGIN
                + "\n(put it and the END line back where the table belongs, then run " + SettingsReference.UPDATE_COMMAND + ")").isNotNegative();
        assertThat(end).as(SettingsReference.DOC + " lacks the line " + SettingsReference.END + " after the BEGIN line"
                + "\n(put it back, then run " + SettingsReference.UPDATE_COMMAND + ")").isGreaterThan(begin);
        // when: the table is compared with the one the declarations give
        final List<String> expected = SettingsReference.table(ConnectionOptions.ALL_SETTINGS);
        final List<String> actual = lines.subList(begin + 1, end);
        // then
        if (!actual.equals(expected)) {
            fail(difference(expected, actual));
        }
    }

    @Test
    void shouldKeepNoSecondHandWrittenTableOfSettingsOnAnyPage() throws IOException {
        // given: every Markdown page of the repository's documentation
        final List<Path> pages = new ArrayList<>(List.of(README, ROOT.resolve("CONTRIBUTING.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).contains(CONFIGURATION);
        for (final Path page : pages) {
            if (!Files.exists(page)) {
                continue;
            }
            final List<String> lines = Files.readAllLines(page);
            final List<String> outside = new ArrayList<>(lines);
            if (page.equals(CONFIGURATION)) {
                final int begin = lines.indexOf(SettingsReference.BEGIN);
                final int end = lines.indexOf(SettingsReference.END);
                if (begin >= 0 && end > begin) {
                    outside.subList(begin, end + 1).clear();
                }
            }
            // then: rows that start with one of our variables appear only in the generated table
            assertThat(outside.stream().filter(l -> l.startsWith("| `" + Setting.ENV_PREFIX)).toList())
                    .as("rows of settings outside the generated table in " + ROOT.relativize(page) + " (link to " + SettingsReference.DOC
                            + " instead)").isEmpty();
        }
    }

    @Test
    void shouldPrintTheTableWhenTheSettingsCommandIsAskedForMarkdown() {
        // when
        final StringWriter out = new StringWriter();
        final CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        final int code = cli.execute("settings", "--markdown");
        // then: exactly the lines dev/update-docs splices in
        assertThat(code).isZero();
        assertThat(out.toString().lines().toList()).isEqualTo(SettingsReference.table(ConnectionOptions.ALL_SETTINGS));
    }

    @Test
    void shouldPrintEverySettingWithItsVariableDefaultAndMeaningWhenTheSettingsCommandRuns() {
        // when
        final StringWriter out = new StringWriter();
        final CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        final int code = cli.execute("settings");
        // then
        assertThat(code).isZero();
        final String text = out.toString();
        assertThat(text).contains("worker.zone = EXTERNAL\n    MILTERWATCH_WORKER_ZONE; read by worker\n    Zone of the vantage point")
                .contains("worker.source.address = (empty)\n")
                .contains("bootstrap.servers = localhost:9092\n    MILTERWATCH_BOOTSTRAP_SERVERS; read by all\n");
        assertThat(text.lines().filter(l -> !l.startsWith(" ")).count()).isEqualTo(ConnectionOptions.ALL_SETTINGS.size());
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
        assertThat(Files.readString(README)).contains("./mvnw -B -T 2 verify");
        assertThat(Files.readString(ROOT.resolve(".ci").resolve("run"))).contains("./mvnw -B -T 2 verify");
    }

    /** What differs, row by row, and how to fix it. */
    private static String difference(final List<String> expected, final List<String> actual) {
        final Set<String> want = new LinkedHashSet<>(expected);
        final Set<String> have = new LinkedHashSet<>(actual);
        final String missing = want.stream().filter(r -> !have.contains(r)).map(r -> "  - " + r).collect(Collectors.joining("\n"));
        final String extra = have.stream().filter(r -> !want.contains(r)).map(r -> "  + " + r).collect(Collectors.joining("\n"));
        final StringBuilder b = new StringBuilder(SettingsReference.DOC + "'s settings table differs from the Setting declarations.\n");
        if (!missing.isEmpty()) {
            b.append("Rows the declarations give that ").append(SettingsReference.DOC).append(" lacks (-):\n").append(missing).append('\n');
        }
        if (!extra.isEmpty()) {
            b.append("Rows in ").append(SettingsReference.DOC).append(" that no declaration gives (+):\n").append(extra).append('\n');
        }
        if (missing.isEmpty() && extra.isEmpty()) {
            b.append("Same rows, in another order or with duplicates.\n");
        }
        return b.append("Regenerate the table from the repository root and commit ").append(SettingsReference.DOC).append(":\n  ")
                .append(SettingsReference.UPDATE_COMMAND).toString();
    }

    /**
     * Every {@code static Setting} field of every main class in the repository that constructs a
     * {@code Setting}, by field name: what the table must cover, found without a list that could
     * itself go stale.
     */
    private static Map<String, Setting> declared(final Path repoRoot) throws IOException, IllegalAccessException {
        final Map<String, Setting> declared = new LinkedHashMap<>();
        final List<Path> sources;
        try (Stream<Path> walk = Files.walk(repoRoot)) {
            sources = walk.filter(p -> p.toString().endsWith(".java") && p.toString().contains("src/main/java/")
                    && !p.toString().contains("/target/")).sorted().toList();
        }
        for (final Path source : sources) {
            if (!Files.readString(source).contains("new Setting(")) {
                continue;
            }
            final String path = source.toString().replace('\\', '/');
            final String className = path.substring(path.indexOf("src/main/java/") + "src/main/java/".length(), path.length() - ".java".length())
                    .replace('/', '.');
            final Class<?> type;
            try {
                type = Class.forName(className);
            } catch (final ClassNotFoundException e) {
                throw new IllegalStateException(className + " declares settings but is not on the cli module's classpath, "
                        + "so no milterwatch command can read them", e);
            }
            int found = 0;
            for (final Field f : type.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                    f.setAccessible(true);
                    declared.put(type.getSimpleName() + "." + f.getName(), (Setting) f.get(null));
                    found++;
                }
            }
            if (found == 0) {
                throw new IllegalStateException(className + " constructs a Setting but declares none as a static field: the reference cannot see it");
            }
        }
        return declared;
    }
}
