package io.milterwatch.cli;

import java.util.ArrayList;
import java.util.List;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Setting;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.worker.config.WorkerSettings;

/**
 * The reference of every setting, built from the {@link Setting} declarations so that it cannot
 * drift from them: one entry per setting, in the order {@link ConnectionOptions#ALL_SETTINGS} has
 * them, with the environment variable, property, default, which processes read it and the
 * setting's own description. {@code milterwatch settings --markdown} prints it as the table that
 * {@code dev/update-docs} puts between {@link #BEGIN} and {@link #END} in docs/configuration.md
 * (checked by {@code ReadmeTest}); a new setting changes only its own row, and a merge that
 * conflicts in the table is settled by generating it again.
 */
public final class SettingsReference {

    /** The file the generated table lives in, relative to the repository root. */
    public static final String DOC = "docs/configuration.md";
    public static final String BEGIN = "<!-- BEGIN settings table: generated from the Setting declarations, do not edit by hand (see ReadmeTest) -->";
    public static final String END = "<!-- END settings table -->";
    /** What regenerates the table in {@link #DOC}, run from the repository root. */
    public static final String UPDATE_COMMAND = "dev/update-docs";

    private SettingsReference() {
    }

    /** The Markdown table, header included, one line per element. */
    public static List<String> table(final List<Setting> settings) {
        final List<String> lines = new ArrayList<>();
        lines.add("| environment variable | property | default | read by | meaning |");
        lines.add("|---|---|---|---|---|");
        for (final Setting s : settings) {
            lines.add(row(s));
        }
        return lines;
    }

    /** The same as plain text for a terminal: the property and its default, then the variable, the readers and the meaning. */
    public static List<String> text(final List<Setting> settings) {
        final List<String> lines = new ArrayList<>();
        for (final Setting s : settings) {
            lines.add(s.name() + " = " + plainDefault(s));
            lines.add("    " + s.env() + "; read by " + readBy(s));
            lines.add("    " + s.doc().replace("\n", " "));
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

    private static String plainDefault(final Setting s) {
        return s.defaultValue() == null ? "(required)" : s.defaultValue().isEmpty() ? "(empty)" : s.defaultValue();
    }

    private static String code(final String text) {
        return "`" + text.replace("|", "\\|") + "`";
    }

    private static String cell(final String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
