package io.milterwatch.cli;

import java.util.concurrent.Callable;

import io.milterwatch.config.Launcher;
import io.milterwatch.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** One probe worker against an existing cluster; configured by environment (MILTERWATCH_WORKER_*) or --config. */
@Command(name = "worker", description = "Run one probe worker against an existing cluster, until Ctrl-C.", mixinStandardHelpOptions = true,
        exitCodeList = {"130:stopped with Ctrl-C, after draining the probes in flight"},
        footerHeading = "%nExamples:%n",
        footer = {"  MILTERWATCH_WORKER_VANTAGE=dmz-1 MILTERWATCH_WORKER_ZONE=EXTERNAL milterwatch worker --bootstrap-servers kafka:9092",
                "  milterwatch worker --config inside.properties      # worker.vantage=inside-1, worker.zone=INTERNAL"})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        final Settings settings = connection.settings();
        return runUntilStopped(Pipeline.start(settings, false, true));
    }

    static int runUntilStopped(final Pipeline pipeline) throws InterruptedException {
        Launcher.runUntilStopped(pipeline);
        return 0;
    }
}
