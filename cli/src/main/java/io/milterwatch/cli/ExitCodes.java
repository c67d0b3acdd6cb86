package io.milterwatch.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The exit codes of every milterwatch command, one table for all of them, shown under "Exit
 * codes:" in each command's {@code --help}. A command adds its own (e.g. {@code state}'s 3) with
 * picocli's {@code exitCodeList}; the common ones are merged in by {@link #apply}.
 */
public final class ExitCodes {

    /** Done as asked. */
    public static final int OK = 0;
    /** A runtime failure: Kafka unreachable, an I/O error, a send that failed, a demo step that did not happen in time. */
    public static final int FAILURE = 1;
    /** Bad input or usage: an unknown option, a malformed target, duration or file, bad lines in an import. */
    public static final int USAGE = 2;
    /** What was asked for does not exist (e.g. {@code state TARGET} matches no watched ip:port). */
    public static final int NOT_FOUND = 3;
    /** Stopped by Ctrl-C (SIGINT, 128 + 2) after a clean shutdown; SIGTERM gives 143. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** Sets the heading and the common codes, then the command's own, on this command and every subcommand. */
    public static void apply(final CommandLine cli) {
        final CommandSpec spec = cli.getCommandSpec();
        final Map<String, String> codes = new LinkedHashMap<>();
        codes.put(key(OK), "done");
        codes.put(key(FAILURE), "runtime failure (Kafka unreachable, I/O error, ...); the message says what failed");
        codes.put(key(USAGE), "bad input or usage (unknown option, malformed target, duration or file); the message names it");
        for (final Map.Entry<String, String> own : spec.usageMessage().exitCodeList().entrySet()) {
            codes.put(key(Integer.parseInt(own.getKey().strip())), own.getValue());
        }
        spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        for (final CommandLine sub : cli.getSubcommands().values()) {
            apply(sub);
        }
    }

    private static String key(final int code) {
        return String.format(java.util.Locale.ROOT, "%3d", code);
    }
}
