package io.milterwatch.cli;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Setting;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.worker.config.WorkerSettings;

/**
 * The README's configuration table, generated from the {@link Setting} declarations so that it
 * cannot drift from them: one row per setting, in the order {@link ConnectionOptions#ALL_SETTINGS}
 * has them, with the environment variable, property, default, which processes read it and the
 * setting's own description. A new setting (in a new branch, say) changes only its own row, and
 * a merge that conflicts in the table is settled by generating it again.
 */
final class SettingsReference {

    static final String BEGIN = "<!-- BEGIN settings table: generated from the Setting declarations, do not edit by hand (see ReadmeTest) -->";
    static final String END = "<!-- END settings table -->";
    static final String UPDATE_PROPERTY = "milterwatch.updateReadme";
    static final String UPDATE_COMMAND = "./mvnw -B -q -pl cli -am test -Dtest=ReadmeTest -Dsurefire.failIfNoSpecifiedTests=false -D"
            + UPDATE_PROPERTY + "=true";

    private SettingsReference() {
    }

    /** The table, header included, one line per element. */
    static List<String> table(final List<Setting> settings) {
        final List<String> lines = new ArrayList<>();
        lines.add("| environment variable | property | default | read by | meaning |");
        lines.add("|---|---|---|---|---|");
        for (final Setting s : settings) {
            lines.add(row(s));
        }
        return lines;
    }

    static String row(final Setting s) {
        final String def = s.defaultValue() == null ? "(required)" : s.defaultValue().isEmpty() ? "(empty)" : code(s.defaultValue());
        return "| " + code(s.env()) + " | " + code(s.name()) + " | " + def + " | " + readBy(s) + " | " + cell(s.doc()) + " |";
    }

    /** Which processes read a setting: every one, or the roles whose setting lists hold it. */
    static String readBy(final Setting s) {
        if (CommonSettings.ALL.contains(s)) {
            return "all";
        }
        final List<String> roles = new ArrayList<>();
        if (WorkerSettings.all().contains(s)) {
            roles.add("worker");
        }
        if (ProcessorSettings.all().contains(s)) {
            roles.add("processor");
        }
        return roles.isEmpty() ? "cli" : String.join(", ", roles);
    }

    private static String code(final String text) {
        return "`" + text.replace("|", "\\|") + "`";
    }

    private static String cell(final String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /**
     * Every {@code static Setting} field of every main class in the repository that constructs a
     * {@code Setting}, by field name: what the table must cover, found without a list that could
     * itself go stale.
     */
    static Map<String, Setting> declared(final Path repoRoot) throws IOException, IllegalAccessException {
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
