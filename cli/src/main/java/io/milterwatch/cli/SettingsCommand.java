package io.milterwatch.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints every setting the milterwatch processes read, from the declarations themselves: what a
 * user can set, and the source of the generated table in docs/configuration.md
 * ({@code dev/update-docs} runs {@code settings --markdown}). It reads no configuration and needs
 * no cluster.
 */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = {"Print every setting: property, environment variable, default, which processes read it, and what it means.",
                "Precedence, lowest first: defaults, --config FILE, environment, command-line flags."},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch settings",
                "  milterwatch settings | grep -A2 '^worker.scope'",
                "  milterwatch settings --markdown           # the table in docs/configuration.md"})
final class SettingsCommand implements Callable<Integer> {

    @Option(names = "--markdown", description = "Print a Markdown table (one row per setting) instead of text")
    boolean markdown;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final List<String> lines = markdown ? SettingsReference.table(ConnectionOptions.ALL_SETTINGS)
                : SettingsReference.text(ConnectionOptions.ALL_SETTINGS);
        final PrintWriter out = spec.commandLine().getOut();
        lines.forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }
}
