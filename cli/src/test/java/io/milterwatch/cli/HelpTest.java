package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers --help with its usage, the exit codes and examples. */
class HelpTest {

    @Test
    void shouldDocumentExitCodesAndExamplesWhenAnyCommandIsAskedForHelp() {
        final List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p))
                .contains("run", "demo", "targets", "targets add", "targets import", "targets remove", "targets list", "alerts", "state");
        for (final List<String> path : paths) {
            final List<String> args = new ArrayList<>(path);
            args.add("--help");
            final CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
            final String name = String.join(" ", path);
            assertThat(r.code()).as(name).isZero();
            assertThat(r.out()).as(name).contains("Usage: milterwatch " + name)
                    .contains("Exit codes:").containsPattern("(?m)^ +0 +done").containsPattern("(?m)^ +1 +runtime failure")
                    .containsPattern("(?m)^ +2 +bad input or usage")
                    .contains("Examples:");
        }
        assertThat(CliRunner.run("state", "--help").out()).containsPattern("(?m)^ +3 +TARGET matches no watched ip:port");
        assertThat(CliRunner.run("help", "targets").out()).contains("Usage: milterwatch targets");
    }

    @Test
    void shouldNameTheBadInputAndExitTwoWhenAnOptionIsUnknownOrMalformed() {
        final CliRunner.Result unknown = CliRunner.run("targets", "add", "--intreval", "5", "192.0.2.1:8891");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("--intreval");
        final CliRunner.Result notANumber = CliRunner.run("targets", "add", "--interval", "soon", "192.0.2.1:8891");
        assertThat(notANumber.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notANumber.err()).contains("--interval").contains("'soon'");
        final CliRunner.Result badTarget = CliRunner.run("targets", "add", "192.0.2.1:99999");
        assertThat(badTarget.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badTarget.err()).contains("'192.0.2.1:99999': port 99999 is outside 1..65535");
        final CliRunner.Result badState = CliRunner.run("state", "10.0.0.0/33");
        assertThat(badState.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badState.err()).contains("'10.0.0.0/33'");
        final CliRunner.Result missing = CliRunner.run("targets", "import", "/nonexistent/targets.txt");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("'/nonexistent/targets.txt'");
    }

    private static void collect(final CommandLine cli, final List<String> path, final List<List<String>> out) {
        for (final var e : cli.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            final List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            out.add(sub);
            collect(e.getValue(), sub, out);
        }
    }
}
