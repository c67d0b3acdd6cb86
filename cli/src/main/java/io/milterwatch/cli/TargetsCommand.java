package io.milterwatch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.probe.EngineConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Registers, removes and lists targets on the compacted targets topic. */
@Command(name = "targets", description = "Add, import, remove or list watched targets.", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch targets add 192.0.2.10:8891 mx.example.org",
                "  milterwatch targets import targets.txt",
                "  milterwatch targets list"},
        subcommands = {TargetsCommand.Add.class, TargetsCommand.Import.class, TargetsCommand.Remove.class, TargetsCommand.ListTargets.class})
public final class TargetsCommand {

    /** What every added target carries besides its address: shared by add and import. */
    static final class TargetOptions {
        @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "300", description = "Re-probe interval, 5..604800 (default ${DEFAULT-VALUE})")
        int interval;
        @Option(names = "--allow-zone", paramLabel = "ZONE", split = ",", defaultValue = "INTERNAL",
                description = "Zones a milter may answer from: INTERNAL, EXTERNAL (default ${DEFAULT-VALUE})")
        List<Zone> allowedZones;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label carried into alerts (repeatable)")
        Map<String, String> labels = new LinkedHashMap<>();

        void check() {
            if (interval < 5 || interval > 7 * 86_400) {
                throw new IllegalArgumentException("--interval " + interval + " is outside 5..604800 seconds");
            }
        }

        Target target(final TargetSpec t) {
            return Target.newBuilder().setId(t.id()).setHost(t.host()).setPorts(t.ports()).setPortRanges(t.portRanges()).setLabels(labels)
                    .setIntervalSeconds(interval).setAllowedZones(allowedZones).setCreatedAtMs(System.currentTimeMillis()).build();
        }

        String describe() {
            return "every " + interval + " s, allowed from " + allowedZones.stream().map(z -> z.name().toLowerCase(Locale.ROOT)).toList();
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Watch targets: HOST:PORTS, [IPV6]:PORTS, HOST (the default milter ports) or a CIDR range; PORTS is a port,"
                    + " a range or a list (8891, 1-65535, 1981,8891,11332).",
                    "A target the probe worker would refuse (a malformed or ambiguous address, an address or range out of "
                            + "worker.scope.allow, a range over worker.cidr.max.addresses) is refused here with exit code 2."},
            footerHeading = "%nExamples:%n",
            footer = {"  milterwatch targets add 192.0.2.10:8891",
                    "  milterwatch targets add mx.example.org                  # ports 1981, 8891, 8893, 11332",
                    "  milterwatch targets add 192.0.2.0/28:1981 [2001:db8::25]:8891 --interval 60",
                    "  milterwatch targets add mx.example.org:1-65535 192.0.2.0/28:1981,8891,11332 [2001:db8::1]:25,587",
                    "  milterwatch targets add 10.1.2.3:11332 --allow-zone INTERNAL --label owner=mail-team"})
    static final class Add implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Parameters(arity = "1..*", paramLabel = "TARGET", description = "HOST:PORTS, [IPV6]:PORTS, HOST, or a CIDR range (A.B.C.D/N[:PORTS], [X::/N]:PORTS)")
        List<String> targets;
        @Mixin
        TargetOptions options;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            options.check();
            final Settings s = connection.settings();
            final EngineConfig rules = WorkerConfig.engine(s);
            final List<TargetSpec> specs = new ArrayList<>();
            for (final String t : targets) {
                specs.add(TargetSpec.parse(t, rules));
            }
            final Topics topics = connection.topics(s);
            try (KafkaProducer<String, byte[]> producer = producer(s)) {
                final List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (final TargetSpec t : specs) {
                    sent.add(producer.send(new ProducerRecord<>(topics.targets(), t.id(), Records.TARGET.encode(options.target(t)))));
                }
                for (int i = 0; i < specs.size(); i++) {
                    sent.get(i).get();
                    spec.commandLine().getOut().println("added " + specs.get(i).id() + " (ports " + specs.get(i).portsText() + ", " + options.describe() + ")");
                }
            }
            return ExitCodes.OK;
        }
    }

    /**
     * Many targets from a file or standard input, one per line, with one producer. A bad line is
     * reported with its line number and reason and skipped; the good lines are imported anyway and
     * the exit code is 2. Importing is idempotent (the topic is compacted by target id, and the
     * same target twice is the same record), so the fix for a bad line is to correct it and import
     * the file again: nothing is duplicated, and a partial import never leaves anything half-done.
     */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Watch every target listed in FILE ('-' reads standard input), one per line: HOST:PORT, [IPV6]:PORT, "
                    + "HOST, a bare IPv6 literal or a CIDR range; PORTS is a port, a range or a list (8891, 1-65535, 1981,8891). "
                    + "'#' starts a comment; blank lines are ignored.",
                    "Every bad line (also one the probe worker would refuse: see 'targets add') is reported as FILE:LINE: reason and skipped; the good lines are imported anyway and the exit "
                            + "code is then 2 (fix the lines and import again: re-importing a target only replaces it). "
                            + "A target listed twice is imported once. Progress goes to standard error."},
            footerHeading = "%nExamples:%n",
            footer = {"  milterwatch targets import targets.txt",
                    "  milterwatch targets import --dry-run targets.txt        # check the file, send nothing",
                    "  grep -v '^10\\.' hosts.txt | milterwatch targets import - --interval 600",
                    "",
                    "  targets.txt:",
                    "    # mail relays",
                    "    192.0.2.10:8891",
                    "    mx.example.org            # default milter ports",
                    "    198.51.100.0/28:1981",
                    "    mail.example.org:1-65535  # every port",
                    "    [2001:db8::25]:11332"})
    static final class Import implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Parameters(paramLabel = "FILE", description = "File with one target per line, or '-' for standard input")
        String file;
        @Mixin
        TargetOptions options;
        @Option(names = "--dry-run", description = "Check every line and print the summary, but send nothing")
        boolean dryRun;
        @Option(names = "--progress-every", paramLabel = "N", defaultValue = "10000",
                description = "Print progress to standard error every N acknowledged targets (default ${DEFAULT-VALUE}; 0: never)")
        int progressEvery;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            options.check();
            if (progressEvery < 0) {
                throw new IllegalArgumentException("--progress-every " + progressEvery + " is negative");
            }
            final boolean stdin = "-".equals(file);
            final String source = stdin ? "stdin" : file;
            final long total = stdin ? -1 : countCandidates(Path.of(file));
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            // The worker's settings, also for a dry run: a line is good only if the worker would probe it.
            final Settings s = connection.settings();
            final EngineConfig rules = WorkerConfig.engine(s);
            final ImportCounts counts = new ImportCounts();
            final AtomicLong acknowledged = new AtomicLong();
            final AtomicReference<Exception> failure = new AtomicReference<>();
            try (BufferedReader reader = open(stdin);
                 KafkaProducer<String, byte[]> producer = dryRun ? null : importProducer(s)) {
                final String topic = dryRun ? null : connection.topics(s).targets();
                final Set<String> seen = new HashSet<>();
                String line;
                long number = 0;
                while ((line = reader.readLine()) != null && failure.get() == null) {
                    number++;
                    final int hash = line.indexOf('#');
                    final String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                    if (text.isEmpty()) {
                        counts.ignored++;
                        continue;
                    }
                    final TargetSpec t;
                    try {
                        t = TargetSpec.parse(text, rules);
                    } catch (final IllegalArgumentException e) {
                        counts.bad++;
                        err.println(source + ":" + number + ": " + e.getMessage());
                        continue;
                    }
                    if (!seen.add(t.id())) {
                        counts.duplicates++;
                        continue;
                    }
                    counts.good++;
                    if (dryRun) {
                        continue;
                    }
                    producer.send(new ProducerRecord<>(topic, t.id(), Records.TARGET.encode(options.target(t))), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                        final long n = acknowledged.incrementAndGet();
                        if (progressEvery > 0 && n % progressEvery == 0) {
                            err.println(String.format(Locale.ROOT, "imported %,d%s targets", n, total >= 0
                                    ? String.format(Locale.ROOT, " / %,d", total) : ""));
                            err.flush();
                        }
                    });
                }
                if (producer != null) {
                    producer.flush();
                }
            }
            if (failure.get() != null) {
                throw new IllegalStateException("sending to Kafka failed after " + acknowledged.get() + " of " + counts.good
                        + " targets: " + failure.get().getMessage(), failure.get());
            }
            out.println(String.format(Locale.ROOT, "%s %,d target(s) from %s (%,d bad line(s), %,d duplicate(s) skipped, "
                    + "%,d comment or blank line(s)); %s", dryRun ? "checked: would import" : "imported", counts.good, source,
                    counts.bad, counts.duplicates, counts.ignored, options.describe()));
            out.flush();
            return counts.bad > 0 ? ExitCodes.USAGE : ExitCodes.OK;
        }

        private BufferedReader open(final boolean stdin) throws IOException {
            if (stdin) {
                return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            }
            try {
                return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
            } catch (final NoSuchFileException e) {
                throw new IllegalArgumentException("FILE '" + file + "' does not exist", e);
            }
        }

        /** Lines that are neither blank nor comments: the denominator of the progress lines. */
        private static long countCandidates(final Path path) throws IOException {
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new IllegalArgumentException("FILE '" + path + "' is not a readable file");
            }
            try (var lines = Files.lines(path, StandardCharsets.UTF_8)) {
                return lines.filter(l -> {
                    final int hash = l.indexOf('#');
                    return !(hash >= 0 ? l.substring(0, hash) : l).isBlank();
                }).count();
            } catch (final java.io.UncheckedIOException e) {
                throw new IllegalArgumentException("FILE '" + path + "' is not UTF-8 text: " + e.getCause().getMessage(), e);
            }
        }

        private static KafkaProducer<String, byte[]> importProducer(final Settings s) {
            final Map<String, Object> props = new HashMap<>(producerProps(s));
            props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
    }

    /** Line counts of one import. */
    private static final class ImportCounts {
        long good;
        long bad;
        long duplicates;
        long ignored;
    }

    @Command(name = "remove", description = "Stop watching targets (writes tombstones).", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  milterwatch targets remove 192.0.2.10:8891", "  milterwatch targets remove mx.example.org 198.51.100.0/28:1981"})
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Parameters(arity = "1..*", paramLabel = "TARGET", description = "Target ids as added")
        List<String> targets;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            final List<String> ids = new ArrayList<>();
            for (final String t : targets) {
                // Syntax only: a target registered before a rule was tightened must stay removable.
                ids.add(TargetSpec.parse(t).id());
            }
            final Settings s = connection.settings();
            final Topics topics = connection.topics(s);
            try (KafkaProducer<String, byte[]> producer = producer(s)) {
                for (final String id : ids) {
                    producer.send(new ProducerRecord<>(topics.targets(), id, null)).get();
                    spec.commandLine().getOut().println("removed " + id);
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List the registered targets.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  milterwatch targets list", "  milterwatch targets list --json | jq -r .id"})
    static final class ListTargets implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--json", description = "One JSON object per line")
        boolean json;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final Settings s = connection.settings();
            final Map<String, Target> latest;
            try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
                latest = reader.latest(connection.topics(s).targets(), Records.TARGET);
            }
            final var out = spec.commandLine().getOut();
            // A sweep keeps a state only for the ports that answer: those are what it found.
            final Map<String, List<ExposureState>> answered = new HashMap<>();
            if (!json && latest.values().stream().anyMatch(t -> !t.getPortRanges().isEmpty())) {
                try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
                    for (final ExposureState e : reader.latest(connection.topics(s).exposureState(), Records.EXPOSURE_STATE).values()) {
                        answered.computeIfAbsent(e.getTargetId(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
            // Health per target id, kept by the stream processor (target.health); a deployment older than it has none.
            Map<String, TargetHealth> health = Map.of();
            try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
                health = reader.latest(connection.topics(s).targetHealth(), Records.TARGET_HEALTH);
            } catch (final IllegalStateException e) {
                spec.commandLine().getErr().println("no target health (" + e.getMessage() + "): lastProbedAtMs and error unknown");
            }
            int failing = 0;
            for (final Target t : latest.values()) {
                final TargetHealth h = health.get(t.getId());
                if (h != null && h.getError() != null) {
                    failing++;
                }
                if (json) {
                    out.println(jsonLine(t, h));
                    continue;
                }
                out.println(String.format(Locale.ROOT, "%-40s ports=%s every %ds allowed=%s", t.getId(),
                        TargetSpec.portsText(t.getPorts(), t.getPortRanges()), t.getIntervalSeconds(), t.getAllowedZones()));
                if (!t.getPortRanges().isEmpty()) {
                    out.println("  " + sweepLine(t, answered.getOrDefault(t.getId(), List.of())));
                }
                if (h != null && h.getError() != null) {
                    out.println("  FAILING since " + java.time.Instant.ofEpochMilli(h.getFailingSinceMs() == null ? 0 : h.getFailingSinceMs())
                            + " (last probed " + (h.getLastProbedAtMs() == null ? "never" : java.time.Instant.ofEpochMilli(h.getLastProbedAtMs()))
                            + "): " + h.getError());
                }
            }
            if (!json) {
                out.println(latest.size() + " target(s)" + (failing > 0 ? ", " + failing + " failing" : ""));
            }
            return ExitCodes.OK;
        }
    }

    /**
     * One target as one JSON line: the target as registered ({@code id}, {@code host}, {@code ports},
     * {@code portRanges}, ...) and its health: {@code lastProbedAtMs} (null: no result yet),
     * {@code error} (null when its latest probe reached an address) and {@code failingSinceMs}.
     */
    static String jsonLine(final Target t, final TargetHealth h) {
        final com.fasterxml.jackson.databind.node.ObjectNode node = RecordJson.toNode(t);
        if (h == null || h.getLastProbedAtMs() == null) {
            node.putNull("lastProbedAtMs");
        } else {
            node.put("lastProbedAtMs", h.getLastProbedAtMs());
        }
        node.put("error", h == null ? null : h.getError());
        if (h == null || h.getFailingSinceMs() == null) {
            node.putNull("failingSinceMs");
        } else {
            node.put("failingSinceMs", h.getFailingSinceMs());
        }
        try {
            return RecordJson.mapper().writeValueAsString(node);
        } catch (final com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many ports a sweep target covers per address, and what answered on them (from the state topic). */
    static String sweepLine(final Target t, final List<ExposureState> states) {
        final int ports = io.milterwatch.worker.target.TargetCheck.ports(t.getPorts(), t.getPortRanges(), List.of()).size();
        if (states.isEmpty()) {
            return String.format(Locale.ROOT, "sweep of %,d port(s) per address: no port has answered yet", ports);
        }
        final List<ExposureState> sorted = new ArrayList<>(states);
        sorted.sort(java.util.Comparator.comparing(ExposureState::getKey));
        final long last = sorted.stream().mapToLong(ExposureState::getLastSeenMs).max().orElse(0);
        final List<String> found = sorted.stream().map(e -> e.getKey() + " " + e.getState()
                + (e.getProduct() == null ? "" : " (" + e.getProduct() + ")")).toList();
        return String.format(Locale.ROOT, "sweep of %,d port(s) per address, last seen answering %s: %d answered: %s", ports,
                java.time.Instant.ofEpochMilli(last), found.size(), String.join(", ", found));
    }

    public static KafkaProducer<String, byte[]> producer(final Settings s) {
        return new KafkaProducer<>(producerProps(s), new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, Object> producerProps(final Settings s) {
        final Map<String, Object> props = new HashMap<>(s.kafkaOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.string("bootstrap.servers"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return props;
    }
}
