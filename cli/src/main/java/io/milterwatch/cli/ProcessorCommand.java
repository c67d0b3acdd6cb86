package io.milterwatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The stream processor alone against an existing cluster; creates missing topics. */
@Command(name = "processor", description = "Run the stream processor against an existing cluster.", mixinStandardHelpOptions = true)
final class ProcessorCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        return WorkerCommand.runUntilStopped(Pipeline.start(connection.settings(), true, false));
    }
}
