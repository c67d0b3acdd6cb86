package io.milterwatch.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.serde.RecordDecodeException;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints the current exposure state of every ip:port, or of those TARGET selects, from the compacted
 * state topic; then what could not be decoded: values on the state topic, and stored values the
 * processor sent to the DLQ (stage {@value StoreDeadLetters#STAGE}).
 */
@Command(name = "state", mixinStandardHelpOptions = true,
        description = {"Show the current exposure state of every watched ip:port, or of those TARGET selects:",
                "  IP:PORT or [IPV6]:PORT   that endpoint",
                "  IP or IPV6               every port of that address",
                "  CIDR[:PORT]              every endpoint inside the range (on that port)",
                "  HOST[:PORT]              the endpoints of the target added under exactly that name"},
        exitCodeList = {"3:TARGET matches no watched ip:port (not added, or not probed yet)"},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch state", "  milterwatch state 192.0.2.10:8891", "  milterwatch state 192.0.2.0/24",
                "  milterwatch state [2001:db8::25]:11332 --json", "  milterwatch state mx.example.org"})
final class StateCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Parameters(arity = "0..1", paramLabel = "TARGET", description = "Which endpoints to show (default: all)")
    String target;
    @Option(names = "--json", description = "One JSON object per line, for machines")
    boolean json;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final StateFilter filter = target == null ? null : StateFilter.parse(target);
        final Settings s = connection.settings();
        final Topics topics = connection.topics(s);
        final Map<String, ExposureState> latest = new TreeMap<>();
        // What cannot be read is shown, not fatal: the latest undecodable value per key of the state
        // topic, and the stored values the processor sent to the DLQ as undecodable.
        final Map<String, String> undecodable = new TreeMap<>();
        final List<String> storeDeadLetters = new ArrayList<>();
        try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
            reader.read(List.of(topics.exposureState(), topics.dlq()), false, () -> true, r -> {
                if (r.topic().equals(topics.dlq())) {
                    if (StoreDeadLetters.STAGE.equals(Dlq.header(r.headers(), Dlq.STAGE))) {
                        storeDeadLetters.add(r.key() + " from " + Dlq.header(r.headers(), Dlq.SOURCE_TOPIC) + ": "
                                + Dlq.header(r.headers(), Dlq.REASON));
                    }
                    return;
                }
                latest.remove(r.key());
                undecodable.remove(r.key());
                if (r.value() != null) {
                    try {
                        latest.put(r.key(), Records.EXPOSURE_STATE.decode(r.topic(), r.value()));
                    } catch (final RecordDecodeException e) {
                        undecodable.put(r.key(), e.reason());
                    }
                }
            });
        }
        final List<ExposureState> shown = latest.values().stream().filter(st -> filter == null || filter.matches(st)).toList();
        final PrintWriter out = spec.commandLine().getOut();
        for (final ExposureState st : shown) {
            out.println(json ? RecordJson.toJson(st) : AlertFormat.state(st));
        }
        final PrintWriter report = json ? spec.commandLine().getErr() : out;
        if (!json) {
            out.println(shown.size() + " endpoint(s)");
        }
        if (!undecodable.isEmpty()) {
            report.println(undecodable.size() + " endpoint(s) on " + topics.exposureState() + " could not be decoded by this version:");
            undecodable.forEach((key, reason) -> report.println("  " + key + ": " + reason));
        }
        if (!storeDeadLetters.isEmpty()) {
            report.println(storeDeadLetters.size() + " stored value(s) could not be decoded by the processor and went to the DLQ ("
                    + topics.dlq() + "):");
            storeDeadLetters.forEach(line -> report.println("  " + line));
        }
        report.flush();
        out.flush();
        if (filter != null && shown.isEmpty()) {
            spec.commandLine().getErr().println("state: no watched ip:port matches '" + filter.text() + "' (not added, or not probed yet;"
                    + " see `milterwatch targets list`)");
            return ExitCodes.NOT_FOUND;
        }
        return ExitCodes.OK;
    }
}
