package io.milterwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import io.milterwatch.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand of the full jar answers --help with its usage, the exit codes and examples. */
class HelpTest {

    private record Result(int code, String out, String err) {
    }

    /** Runs the full milterwatch command in-process as a user would type it, capturing what it prints. */
    private static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = Milterwatch.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Result(commandLine.execute(args), out.toString(), err.toString());
    }

    @Test
    void shouldDocumentExitCodesAndExamplesWhenAnyCommandIsAskedForHelp() {
        final List<List<String>> paths = new ArrayList<>();
        collect(Milterwatch.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p))
                .contains("run", "demo", "targets", "targets add", "targets import", "targets remove", "targets list", "alerts", "state",
                        "bench-probe", "bench-streams", "settings");
        for (final List<String> path : paths) {
            final List<String> args = new ArrayList<>(path);
            args.add("--help");
            final Result r = run(args.toArray(String[]::new));
            final String name = String.join(" ", path);
            assertThat(r.code()).as(name).isZero();
            assertThat(r.out()).as(name).contains("Usage: milterwatch " + name)
                    .contains("Exit codes:").containsPattern("(?m)^ +0 +done").containsPattern("(?m)^ +1 +runtime failure")
                    .containsPattern("(?m)^ +2 +bad input or usage")
                    .contains("Examples:");
        }
        assertThat(run("state", "--help").out()).containsPattern("(?m)^ +3 +TARGET matches no watched ip:port");
        assertThat(run("help", "targets").out()).contains("Usage: milterwatch targets");
    }

    @Test
    void shouldNameTheBadInputAndExitTwoWhenAnOptionIsUnknownOrMalformed() {
        final Result unknown = run("targets", "add", "--intreval", "5", "192.0.2.1:8891");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("--intreval");
        final Result notANumber = run("targets", "add", "--interval", "soon", "192.0.2.1:8891");
        assertThat(notANumber.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notANumber.err()).contains("--interval").contains("'soon'");
        final Result badTarget = run("targets", "add", "192.0.2.1:99999");
        assertThat(badTarget.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badTarget.err()).contains("'192.0.2.1:99999': port 99999 is outside 1..65535");
        final Result badState = run("state", "10.0.0.0/33");
        assertThat(badState.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badState.err()).contains("'10.0.0.0/33'");
        final Result missing = run("targets", "import", "/nonexistent/targets.txt");
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
