package io.milterwatch.app;

import io.milterwatch.bench.BenchEstateCommand;
import io.milterwatch.bench.BenchProbeCommand;
import io.milterwatch.bench.BenchStreamsCommand;
import io.milterwatch.cli.Main;
import io.milterwatch.demo.DemoCommand;
import picocli.CommandLine;

/** Entry point of the full {@code milterwatch.jar}: the operator commands, the demo and the bench commands. */
public final class Milterwatch {

    static {
        // Must precede the first use of any Avro class: Avro reads it once, when it first checks a class.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.milterwatch.schema");
        }
    }

    private Milterwatch() {
    }

    public static void main(final String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return Main.commandLine(new DemoCommand(), new BenchProbeCommand(), new BenchStreamsCommand(), new BenchEstateCommand());
    }
}
