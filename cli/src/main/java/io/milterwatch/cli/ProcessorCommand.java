package io.milterwatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The stream processor alone against an existing cluster; creates missing topics. */
@Command(name = "processor", description = "Run the stream processor against an existing cluster, until Ctrl-C.",
        mixinStandardHelpOptions = true,
        exitCodeList = {"130:stopped with Ctrl-C, after closing the stream processor"},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch processor --bootstrap-servers kafka:9092",
                "  MILTERWATCH_PROCESSOR_HTTP_PORT=8470 milterwatch processor --config processor.properties"})
final class ProcessorCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        return WorkerCommand.runUntilStopped(Pipeline.start(connection.settings(), true, false));
    }
}
