package io.milterwatch.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import io.milterwatch.cli.AlertFormat;
import io.milterwatch.cli.ConnectionOptions;
import io.milterwatch.cli.EmbeddedKafka;
import io.milterwatch.cli.ExitCodes;
import io.milterwatch.cli.Main;
import io.milterwatch.cli.Pipeline;
import io.milterwatch.cli.ShipLogsCommand;
import io.milterwatch.cli.TargetsCommand;
import io.milterwatch.cli.TopicReader;
import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordDecodeException;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerSettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole story on one machine in about a minute, with nothing faked: an embedded broker of its
 * own (temporary data directory, topic prefix {@value #TOPIC_PREFIX}), the stream processor, and two
 * probe workers, an INTERNAL vantage probing from 127.0.0.1 and an EXTERNAL one from 127.0.0.2,
 * both probing three milters (AXIMilter, an OpenDKIM-like libmilter milter, rspamd's milter) that
 * listen on 127.0.0.10. Then:
 *
 * <ol>
 *   <li>exposure: nothing blocks the outside, so it reaches every milter: EXPOSED;</li>
 *   <li>remediation: a real nftables rule (table {@code inet milterwatch_demo}) answers new
 *       connections from 127.0.0.2 to the milter ports with a TCP reset and logs them; the outside
 *       probes come back CLOSED while the inside still completes the handshake: REMEDIATED, decided
 *       by the same correlator as in production;</li>
 *   <li>regression: the rule goes again; an outside client connects, the firewall logs it as
 *       accepted, the line (read from the kernel log) reaches the raw firewall topic: REGRESSED.</li>
 * </ol>
 *
 * Without root (or with {@code --no-firewall}) no firewall rule can be set: the milters then turn
 * 127.0.0.2 away themselves, as a daemon with a peer allow-list does (the outside sees the port
 * open but silent, OPEN_SILENT, which the correlator also counts as not reachable), and there are
 * no firewall lines. Every probe result is a real handshake over a real socket.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Watch milterwatch find three exposed milters on this machine, verify their fix and catch the regression: "
                + "EXPOSED -> REMEDIATED -> REGRESSED in about a minute.",
                "Runs its own embedded Kafka broker (temporary data, topic prefix " + DemoCommand.TOPIC_PREFIX + "), the stream "
                        + "processor, an INTERNAL probe worker (from 127.0.0.1) and an EXTERNAL one (from 127.0.0.2) against three "
                        + "milters on 127.0.0.10. As root, the remediation is a real nftables rule (table inet "
                        + DemoFirewall.TABLE + ", removed at exit) and the firewall's log lines are read from the kernel log; "
                        + "otherwise the milters turn 127.0.0.2 away themselves and there are no firewall lines.",
                "Alerts are printed as they happen, as `milterwatch alerts` prints them. After the story it keeps running "
                        + "(dashboard, query API, alerts and state commands) until Ctrl-C, unless --exit-when-done."},
        exitCodeList = {"130:stopped with Ctrl-C; everything is stopped and the nftables table removed"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./milterwatch demo", "  ./milterwatch demo --no-firewall             # no nftables, even as root",
                "  ./milterwatch demo --exit-when-done --http-port 0"})
public final class DemoCommand implements Callable<Integer> {

    /** The demo on its own ({@code java -cp ... io.milterwatch.demo.DemoCommand demo}); the full jar's command has it too. */
    public static void main(final String[] args) {
        System.exit(Main.commandLine(new DemoCommand()).execute(args));
    }

    static final String TOPIC_PREFIX = "milterwatch-demo";
    static final String MAIL_HOST = "127.0.0.10";
    static final String INSIDE = "127.0.0.1";
    static final String OUTSIDE = "127.0.0.2";
    static final int INTERVAL_SECONDS = 5;

    private static final Pattern FLOW = Pattern.compile(" (ACCEPT|REJECT) .*SRC=(\\S+) DST=(\\S+) .*SPT=(\\d+) DPT=(\\d+)");

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Broker and state data here, kept (default: a temporary directory, deleted at exit)")
    Path dataDir;
    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "0", description = "Embedded broker's client port (default: any free port)")
    int kafkaPort;
    @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "0", description = "Embedded broker's controller port (default: any free port)")
    int controllerPort;
    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8470",
            description = "Port of the dashboard and query API on 127.0.0.1 (default ${DEFAULT-VALUE}; any free port when it is taken; 0: none)")
    int httpPort;
    @Option(names = "--no-firewall", description = "Set no nftables rule even as root: the milters turn the outside vantage away themselves")
    boolean noFirewall;
    @Option(names = "--exit-when-done", description = "Stop once the regression has been seen (default: keep running until Ctrl-C)")
    boolean exitWhenDone;
    @Option(names = "--step-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Give up (exit code 1) when a step has not happened within this time (default ${DEFAULT-VALUE})")
    int stepTimeout;
    @Option(names = "--hints", description = "Print the remediation commands under EXPOSED and REGRESSED alerts, as `milterwatch alerts` does")
    boolean hints;
    @Option(names = "--verbose", description = "Keep the log (standard error): milterwatch's INFO lines, the broker's and clients' warnings")
    boolean verbose;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (stepTimeout < 10 || stepTimeout > 3600) {
            throw new IllegalArgumentException("--step-timeout " + stepTimeout + " is outside 10..3600 seconds");
        }
        for (final int port : List.of(kafkaPort, controllerPort, httpPort)) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 0..65535");
            }
        }
        if (!verbose) {
            quietLogs();
        }
        final Run run = new Run(spec.commandLine().getOut());
        final Thread hook = new Thread(() -> run.stop(true), "milterwatch-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run.story();
        } finally {
            run.stop(false);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException e) {
                // shutting down already: the hook does the stopping
            }
        }
    }

    /** One run of the demo: what it started, closed in reverse order by {@link #stop}. */
    private final class Run {
        private final PrintWriter out;
        private final long start = System.nanoTime();
        private final Deque<Named> started = new ArrayDeque<>();
        private final Progress progress = new Progress();
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final CountDownLatch stopped = new CountDownLatch(1);
        private final AtomicBoolean storyDone = new AtomicBoolean();
        private final AtomicLong accepted = new AtomicLong();
        private final AtomicLong rejected = new AtomicLong();
        private DemoFirewall firewall;
        private DemoMilters milters;

        Run(final PrintWriter out) {
            this.out = out;
        }

        int story() throws Exception {
            final String noFirewallReason = noFirewall ? "--no-firewall was given" : DemoFirewall.unavailableReason();
            final boolean useFirewall = noFirewallReason == null;
            final String kernelLogReason = useFirewall ? KernelLogShipper.unavailableReason() : "no firewall rule is set";

            out.println("milterwatch demo: three milters on this machine, one inside and one outside vantage, a firewall that changes.");
            out.println(useFirewall
                    ? "  remediation: a real nftables rule (table inet " + DemoFirewall.TABLE + ", removed at exit) rejects the outside vantage"
                    : "  remediation: the milters turn the outside vantage away themselves (like a peer allow-list), because " + noFirewallReason
                            + "; run as root without --no-firewall for a real nftables rule and firewall lines");
            if (useFirewall) {
                out.println(kernelLogReason == null ? "  firewall lines: read from the kernel log and shipped to the raw firewall topic"
                        : "  firewall lines: none, because " + kernelLogReason + " (the probes alone decide)");
            }
            out.flush();

            // the mail host
            final InetAddress mailHost = InetAddress.getByName(MAIL_HOST);
            requireLoopbackAlias(OUTSIDE);
            milters = register("the demo milters", new DemoMilters(mailHost));
            final List<DemoMilters.Listener> listeners = milters.listeners();
            final List<String> keys = listeners.stream().map(DemoMilters.Listener::endpoint).toList();
            final String marker = "mwdemo" + String.format(Locale.ROOT, "%08d", ThreadLocalRandom.current().nextInt(100_000_000));
            if (useFirewall) {
                firewall = register("the nftables table inet " + DemoFirewall.TABLE, DemoFirewall.create(OUTSIDE, MAIL_HOST,
                        listeners.stream().map(DemoMilters.Listener::port).toList(), marker));
                if (firewall.removedStale()) {
                    step("removed a stale nftables table inet " + DemoFirewall.TABLE + " left by an earlier demo");
                }
            }

            // the broker and the pipeline
            final boolean temporary = dataDir == null;
            final Path data = temporary ? Files.createTempDirectory("milterwatch-demo-") : dataDir.toAbsolutePath();
            if (temporary) {
                register("the temporary data directory", () -> deleteTree(data));
            }
            step("starting an embedded Kafka broker (data in " + data + (temporary ? ", deleted at exit" : "") + ") ...");
            final EmbeddedKafka broker = register("the embedded Kafka broker", EmbeddedKafka.start(data, "localhost",
                    kafkaPort == 0 ? EmbeddedKafka.freePort() : kafkaPort, controllerPort == 0 ? EmbeddedKafka.freePort() : controllerPort));
            final int http = httpPort == 0 ? 0 : portOrAnyFree(httpPort);
            final Map<String, String> flags = new HashMap<>();
            flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
            flags.put(CommonSettings.TOPIC_PREFIX.name(), TOPIC_PREFIX);
            flags.put(CommonSettings.TOPIC_PARTITIONS.name(), "1");
            flags.put(ProcessorSettings.APPLICATION_ID.name(), TOPIC_PREFIX + "-processor");
            flags.put(ProcessorSettings.STATE_DIR.name(), data.resolve("streams").toString());
            flags.put(ProcessorSettings.HTTP_HOST.name(), "127.0.0.1");
            flags.put(ProcessorSettings.HTTP_PORT.name(), Integer.toString(http));
            // 127.0.0.2 plays the outside world in firewall lines too.
            flags.put(ProcessorSettings.INTERNAL_NETWORKS.name(), INSIDE + "/32,::1/128");
            flags.put(ProcessorSettings.REPROBE_MIN_INTERVAL_MS.name(), "2000");
            flags.put(WorkerSettings.SCOPE_ALLOW.name(), "127.0.0.0/8");
            flags.put(WorkerSettings.CONNECT_TIMEOUT.name(), "1000");
            flags.put(WorkerSettings.REPLY_TIMEOUT.name(), "1000");
            flags.put(WorkerSettings.AXIMILTER_PORTS.name(), Integer.toString(listeners.get(0).port()));
            // Two workers in one process: each serves its metrics and health on a free port, never on 8471 twice.
            flags.put(WorkerSettings.HTTP_PORT.name(), "0");
            flags.putAll(Map.of(WorkerSettings.VANTAGE.name(), "outside", WorkerSettings.ZONE.name(), Zone.EXTERNAL.name(),
                    WorkerSettings.SOURCE_ADDRESS.name(), OUTSIDE));
            final Settings outside = load(flags);
            flags.putAll(Map.of(WorkerSettings.VANTAGE.name(), "inside", WorkerSettings.ZONE.name(), Zone.INTERNAL.name(),
                    WorkerSettings.SOURCE_ADDRESS.name(), INSIDE));
            final Settings inside = load(flags);
            final Pipeline pipeline = register("the stream processor and the outside worker", Pipeline.start(outside, true, true));
            register("the inside worker", Pipeline.start(inside, false, true));
            final Topics topics = pipeline.topics();
            final KafkaProducer<byte[], byte[]> rawProducer = register("the firewall line producer", ShipLogsCommand.producer(outside));
            if (useFirewall && kernelLogReason == null) {
                register("the kernel log follower", KernelLogShipper.start(marker, rawProducer, topics.firewallRaw(), this::firewallLine));
            }
            followAlerts(outside, topics);

            final String connect = "--bootstrap-servers " + broker.bootstrapServers() + " --topic-prefix " + TOPIC_PREFIX;
            step("running: stream processor; probe workers 'inside' (INTERNAL, from " + INSIDE + ") and 'outside' (EXTERNAL, from "
                    + OUTSIDE + ")");
            indent("Kafka:      " + broker.bootstrapServers() + " (embedded; topics " + TOPIC_PREFIX + ".*)");
            if (pipeline.processor().queryPort() > 0) {
                final String base = "http://127.0.0.1:" + pipeline.processor().queryPort();
                indent("dashboard:  " + base + "/" + (http != httpPort ? "   (port " + httpPort + " was taken)" : ""));
                indent("query API:  " + base + "/api/state, " + base + "/api/alerts");
            }
            indent("alerts:     ./milterwatch alerts --follow " + connect);
            indent("state:      ./milterwatch state " + connect);

            // the targets
            try (KafkaProducer<String, byte[]> producer = TargetsCommand.producer(outside)) {
                for (final DemoMilters.Listener l : listeners) {
                    final Target t = Target.newBuilder().setId(l.endpoint()).setHost(l.host()).setPorts(List.of(l.port()))
                            .setLabels(Map.of("demo", l.kind().name().toLowerCase(Locale.ROOT))).setIntervalSeconds(INTERVAL_SECONDS)
                            .setAllowedZones(List.of(Zone.INTERNAL)).setCreatedAtMs(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(topics.targets(), t.getId(), Records.TARGET.encode(t))).get();
                }
            }
            step("watching " + listeners.stream().map(l -> l.endpoint() + " (" + l.kind().label + ")").collect(Collectors.joining(", "))
                    + ", probed every " + INTERVAL_SECONDS + " s from both vantages; only INTERNAL may reach them");

            // 1. exposure
            step("1/3 exposure: nothing stands between " + OUTSIDE + " and the milters, so the outside vantage completes the handshakes");
            if (!awaitAll(Exposure.EXPOSED, keys)) {
                return ExitCodes.FAILURE;
            }
            // 2. remediation
            if (useFirewall) {
                firewall.block();
                step("2/3 remediation: nftables now answers new connections from " + OUTSIDE + " to the milter ports with a TCP reset"
                        + " (and logs them); " + INSIDE + " still gets through");
            } else {
                milters.turnAway(InetAddress.getByName(OUTSIDE));
                step("2/3 remediation: the milters now close connections from " + OUTSIDE + " at once (a peer allow-list); "
                        + INSIDE + " still gets through");
            }
            if (!awaitAll(Exposure.REMEDIATED, keys)) {
                return ExitCodes.FAILURE;
            }
            // 3. regression
            if (useFirewall) {
                firewall.unblock();
                step("3/3 regression: the reject rule is gone again (a firewall reload lost it, say); an outside client connects from "
                        + OUTSIDE + " and the firewall logs it as accepted");
                for (final DemoMilters.Listener l : listeners) {
                    outsideClient(l);
                }
            } else {
                milters.turnAway(null);
                step("3/3 regression: the allow-list is gone again (a configuration rollback, say); the outside reaches the milters");
            }
            if (!awaitAll(Exposure.REGRESSED, keys)) {
                return ExitCodes.FAILURE;
            }
            storyDone.set(true);
            step(String.format(Locale.ROOT, "done: EXPOSED -> REMEDIATED -> REGRESSED for all %d milters in %.0f s%s.", keys.size(),
                    elapsed(), useFirewall && kernelLogReason == null ? String.format(Locale.ROOT,
                            "; firewall lines shipped: %d accepted and %d rejected from %s", accepted.get(), rejected.get(), OUTSIDE) : ""));
            if (exitWhenDone) {
                return ExitCodes.OK;
            }
            indent("Still running: look at the dashboard, or try `./milterwatch state " + keys.get(0) + " " + connect + "`.");
            indent("Ctrl-C stops everything" + (useFirewall ? " and removes the nftables table." : "."));
            out.flush();
            stopped.await();
            return ExitCodes.INTERRUPTED;
        }

        private Settings load(final Map<String, String> flags) {
            // The demo is self-contained: no config file, no MILTERWATCH_* or KAFKA_* from the environment.
            return Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), flags, ConnectionOptions.KAFKA_NAMES);
        }

        private boolean awaitAll(final Exposure state, final List<String> keys) throws InterruptedException {
            final Set<String> missing = progress.await(state, keys, Duration.ofSeconds(stepTimeout));
            if (missing.isEmpty()) {
                return true;
            }
            if (stopping.get()) {
                return false;
            }
            step("gave up: no " + state + " alert within " + stepTimeout + " s for " + missing.stream()
                    .map(k -> k + " (alerts so far: " + progress.history(k) + ")").collect(Collectors.joining(", "))
                    + (verbose ? "" : "; --verbose shows the log"));
            return false;
        }

        private void followAlerts(final Settings s, final Topics topics) throws Exception {
            final TopicReader reader = new TopicReader(s.string(CommonSettings.BOOTSTRAP_SERVERS.name()), s.kafkaOverrides());
            final AtomicBoolean following = new AtomicBoolean(true);
            final Thread thread = new Thread(() -> {
                try {
                    reader.read(topics.alerts(), true, following::get, r -> {
                        try {
                            final Alert a = Records.ALERT.decode(r.topic(), r.value());
                            if (a != null) {
                                out.println(AlertFormat.alert(a, hints));
                                out.flush();
                                progress.record(a);
                            }
                        } catch (final RecordDecodeException e) {
                            out.println("skipping " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
                        }
                    });
                } catch (final RuntimeException e) {
                    if (!stopping.get()) {
                        out.println("the alert follower stopped: " + e.getMessage());
                        progress.cancel();
                    }
                } finally {
                    reader.close();
                }
            }, "demo-alerts");
            thread.setDaemon(true);
            register("the alert follower", () -> {
                following.set(false);
                reader.stop();
                thread.join(10_000);
            });
            thread.start();
        }

        private void firewallLine(final String line) {
            final Matcher m = FLOW.matcher(line);
            if (!m.find()) {
                return;
            }
            (m.group(1).equals("ACCEPT") ? accepted : rejected).incrementAndGet();
            if (!storyDone.get()) {
                step(String.format(Locale.ROOT, "  firewall log: %-6s %s:%s -> %s:%s", m.group(1), m.group(2), m.group(4), m.group(3), m.group(5)));
            }
        }

        private void outsideClient(final DemoMilters.Listener l) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(OUTSIDE), 0));
                s.connect(new InetSocketAddress(InetAddress.getByName(l.host()), l.port()), 2000);
            } catch (final IOException e) {
                step("  the outside client could not connect to " + l.endpoint() + ": " + e.getMessage());
            }
        }

        private <T extends AutoCloseable> T register(final String what, final T resource) throws Exception {
            synchronized (started) {
                if (stopping.get()) {
                    resource.close();
                    throw new IllegalStateException("stopped while starting " + what);
                }
                started.push(new Named(what, resource));
            }
            return resource;
        }

        /** Stops everything started, newest first; the firewall table goes first of all. Runs once. */
        void stop(final boolean interrupted) {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            progress.cancel();
            if (interrupted) {
                out.println();
            }
            step("stopping: " + (firewall != null ? "nftables table, " : "") + "workers, stream processor, broker ...");
            final List<Named> order = new ArrayList<>();
            synchronized (started) {
                order.addAll(started);
                started.clear();
            }
            order.sort(Comparator.comparing(n -> n.resource() instanceof DemoFirewall ? 0 : 1));
            for (final Named n : order) {
                try {
                    n.resource().close();
                } catch (final Exception e) {
                    out.println("could not stop " + n.what() + ": " + e.getMessage());
                }
            }
            if (firewall != null) {
                try {
                    out.println(DemoFirewall.tableExists() ? "the nftables table inet " + DemoFirewall.TABLE + " is still there; remove it with:"
                            + " nft delete table inet " + DemoFirewall.TABLE : "removed the nftables table inet " + DemoFirewall.TABLE);
                } catch (final IOException e) {
                    out.println("could not check the nftables table: " + e.getMessage());
                }
            }
            step("stopped.");
            stopped.countDown();
        }

        private void step(final String text) {
            out.println(String.format(Locale.ROOT, "[%5.1fs] %s", elapsed(), text));
            out.flush();
        }

        private void indent(final String text) {
            out.println("         " + text);
            out.flush();
        }

        private double elapsed() {
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private record Named(String what, AutoCloseable resource) {
    }

    /** The alerts seen per ip:port, in the order they came; steps wait on it. */
    static final class Progress {
        private final Map<String, List<Exposure>> seen = new HashMap<>();
        private boolean cancelled;

        synchronized void record(final Alert a) {
            seen.computeIfAbsent(a.getKey(), k -> new ArrayList<>()).add(a.getToState());
            notifyAll();
        }

        /** Waits until every key has had an alert to {@code state}; returns the keys still without one (empty: all have). */
        synchronized Set<String> await(final Exposure state, final Collection<String> keys, final Duration timeout) throws InterruptedException {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                final Set<String> missing = new LinkedHashSet<>();
                for (final String k : keys) {
                    if (!seen.getOrDefault(k, List.of()).contains(state)) {
                        missing.add(k);
                    }
                }
                final long left = deadline - System.nanoTime();
                if (missing.isEmpty() || cancelled || left <= 0) {
                    return missing;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }

        synchronized String history(final String key) {
            final List<Exposure> h = seen.getOrDefault(key, List.of());
            return h.isEmpty() ? "none" : h.stream().map(Enum::name).collect(Collectors.joining(" -> "));
        }

        synchronized void cancel() {
            cancelled = true;
            notifyAll();
        }
    }

    /**
     * The terminal is the demo's display: milterwatch's own log down to warnings, and the embedded
     * broker's and the clients' start-up chatter (transaction retries on a new broker, a temporary
     * state directory) off; the steps report any failure that matters. --verbose keeps it all.
     */
    private static void quietLogs() {
        if (System.getenv("MILTERWATCH_LOG_LEVEL") == null && LoggerFactory.getLogger("io.milterwatch") instanceof ch.qos.logback.classic.Logger own) {
            own.setLevel(Level.WARN);
        }
        for (final String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger kafka) {
                kafka.setLevel(Level.OFF);
            }
        }
    }

    private static void requireLoopbackAlias(final String address) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        } catch (final IOException e) {
            throw new IOException("cannot use " + address + " as a source address (" + e.getMessage() + "); the demo needs the whole "
                    + "127.0.0.0/8 on the loopback interface, as Linux has it", e);
        }
    }

    private static int portOrAnyFree(final int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return port;
        } catch (final IOException taken) {
            return EmbeddedKafka.freePort();
        }
    }

    private static void deleteTree(final Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
