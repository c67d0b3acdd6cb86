package io.milterwatch.cli;

import java.io.PrintWriter;
import java.time.Instant;
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

/** Prints the alerts of both alert topics in time order, from the beginning or --since; with --follow, keeps printing new ones. */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = {"Show exposure and regression alerts (one line each, remediation commands under EXPOSED and REGRESSED).",
                "--since starts at the first alert at or after that time, found with the broker's time index."},
        exitCodeList = {"130:stopped with Ctrl-C (--follow)"},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch alerts", "  milterwatch alerts --follow", "  milterwatch alerts --follow --since 10m",
                "  milterwatch alerts --since 2026-11-28T10:00:00Z --json | jq -r 'select(.toState==\"REGRESSED\") | .key'"})
final class AlertsCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new alerts until Ctrl-C")
    boolean follow;
    @Option(names = "--json", description = "One JSON object per line, for machines")
    boolean json;
    @Option(names = "--since", paramLabel = "DURATION|TIMESTAMP", converter = Since.Converter.class,
            description = "Only alerts raised since then: a duration back from now (90s, 10m, 2h, 1h30m, 7d, PT10M) or a timestamp "
                    + "(2026-11-28T10:00:00Z, 2026-11-28T11:00:00+01:00, 2026-11-28)")
    Instant since;
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
        final Long fromMs = since == null ? null : since.toEpochMilli();
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
                // Both alert topics, merged by the alerts' own time as they are read: an exposure and the
                // regression after it print in the order they happened, not topic by topic.
                reader.readInTimeOrder(topics.alerts(), follow, running::get, r -> {
                    try {
                        return Records.ALERT.decode(r.topic(), r.value());
                    } catch (final RecordDecodeException e) {
                        err.println("skipping " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
                        return null;
                    }
                }, Alert::getCreatedAtMs, a -> {
                    // The time index finds the first record at or after --since; later ones can be older
                    // (record timestamps need not grow), and an alert's own time is what the user asked about.
                    if (fromMs == null || a.getCreatedAtMs() >= fromMs) {
                        out.println(json ? RecordJson.toJson(a) : AlertFormat.alert(a, hints));
                        out.flush();
                    }
                }, fromMs);
            } finally {
                done.countDown();
            }
        }
        return ExitCodes.OK;
    }
}
