package io.milterwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single {@code milterwatch} command. */
@Command(name = "milterwatch", mixinStandardHelpOptions = true, version = "milterwatch 0.1.0",
        description = "Continuous detection of exposed milter services (AXIGEN AXIMilter and Sendmail milters) on Kafka.",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch demo                          # see EXPOSED -> REMEDIATED -> REGRESSED in about a minute",
                "  milterwatch run                           # embedded broker, processor and one worker",
                "  milterwatch targets add 192.0.2.10:8891   # in a second terminal",
                "  milterwatch alerts --follow",
                "  milterwatch targets import --help         # help of any command"},
        subcommands = {RunCommand.class, DemoCommand.class, TargetsCommand.class, TopicsCommand.class, AlertsCommand.class, StateCommand.class, ProbeCommand.class,
                ParseFirewallCommand.class, ShipLogsCommand.class, WorkerCommand.class, ProcessorCommand.class, BenchProbeCommand.class,
                BenchStreamsCommand.class, CommandLine.HelpCommand.class})
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

    static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new Main());
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
