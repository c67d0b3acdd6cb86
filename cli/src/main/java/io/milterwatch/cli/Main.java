package io.milterwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code milterwatch} command with its operator commands. The full jar ({@code app/}) adds the
 * demo and the bench commands through {@link #commandLine(Object...)}; the operator commands know
 * nothing of them.
 */
@Command(name = "milterwatch", mixinStandardHelpOptions = true, version = "milterwatch 0.1.0",
        description = "Continuous detection of exposed milter services (AXIGEN AXIMilter and Sendmail milters) on Kafka.",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch demo                          # see EXPOSED -> REMEDIATED -> REGRESSED in about a minute",
                "  milterwatch run                           # embedded broker, processor and one worker",
                "  milterwatch targets add 192.0.2.10:8891   # in a second terminal",
                "  milterwatch alerts --follow",
                "  milterwatch targets import --help         # help of any command"},
        subcommands = {RunCommand.class, TargetsCommand.class, TopicsCommand.class, AlertsCommand.class, StateCommand.class, ProbeCommand.class,
                ParseFirewallCommand.class, ShipLogsCommand.class, WorkerCommand.class, ProcessorCommand.class, SettingsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    static {
        // Must precede the first use of any Avro class: Avro reads it once, when it first checks a class.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.milterwatch.schema");
        }
    }

    public static void main(final String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The operator commands, plus {@code extraCommands} (picocli {@code @Command} objects), ready to execute. */
    public static CommandLine commandLine(final Object... extraCommands) {
        final CommandLine cli = new CommandLine(new Main());
        for (final Object extra : extraCommands) {
            cli.addSubcommand(extra);
        }
        // --zone internal, --transport epoll: enum values in any case.
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            final String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + message);
            return e instanceof IllegalArgumentException ? ExitCodes.USAGE : ExitCodes.FAILURE;
        });
        ExitCodes.apply(cli);
        return cli;
    }
}
