package io.milterwatch.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

import io.milterwatch.config.Settings;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the current exposure state of every ip:port, from the compacted state topic. */
@Command(name = "state", description = "Show the current exposure state of every watched ip:port.", mixinStandardHelpOptions = true)
final class StateCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = "--json", description = "One JSON object per line, for machines")
    boolean json;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final Settings s = connection.settings();
        final Map<String, ExposureState> latest;
        try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
            latest = reader.latest(connection.topics(s).exposureState(), Records.EXPOSURE_STATE);
        }
        final PrintWriter out = spec.commandLine().getOut();
        for (final ExposureState st : latest.values()) {
            out.println(json ? RecordJson.toJson(st) : AlertFormat.state(st));
        }
        if (!json) {
            out.println(latest.size() + " endpoint(s)");
        }
        return 0;
    }
}
