package io.milterwatch.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the milterwatch command in-process as a user would type it, capturing what it prints. */
final class CliRunner {

    record Result(int code, String out, String err) {
    }

    private CliRunner() {
    }

    static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Result(commandLine.execute(args), out.toString(), err.toString());
    }
}
