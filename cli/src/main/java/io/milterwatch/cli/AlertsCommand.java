package io.milterwatch.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.serde.RecordDecodeException;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the alerts of both alert topics, from the beginning; with --follow, keeps printing new ones. */
@Command(name = "alerts", description = "Show exposure and regression alerts.", mixinStandardHelpOptions = true)
final class AlertsCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new alerts until Ctrl-C")
    boolean follow;
    @Option(names = "--json", description = "One JSON object per line, for machines")
    boolean json;
    @Option(names = "--no-hints", negatable = true, defaultValue = "true", description = "Print remediation commands under each alert (default: on)")
    boolean hints;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final Settings s = connection.settings();
        final Topics topics = connection.topics(s);
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AtomicBoolean running = new AtomicBoolean(true);
        final CountDownLatch done = new CountDownLatch(1);
        try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
            final Thread hook = new Thread(() -> {
                running.set(false);
                reader.stop();
                try {
                    done.await();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            if (follow) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            try {
                reader.read(topics.alerts(), follow, running::get, r -> {
                    try {
                        final Alert a = Records.ALERT.decode(r.topic(), r.value());
                        if (a != null) {
                            out.println(json ? RecordJson.toJson(a) : AlertFormat.alert(a, hints));
                            out.flush();
                        }
                    } catch (final RecordDecodeException e) {
                        err.println("skipping " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
                    }
                });
            } finally {
                done.countDown();
            }
        }
        return 0;
    }
}
