package io.milterwatch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.milterwatch.cli.EmbeddedKafka;
import io.milterwatch.cli.Main;
import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A whole estate on one machine (a benchmark, not a test: it prints figures and asserts nothing).
 * Starts an embedded broker and real milter listeners in this JVM, the stream processor and one
 * probe worker each in a JVM of its own (so that each role's heap is its own), imports N loopback
 * targets through {@code targets import}, and measures: the import, the first full sweep (every
 * endpoint has a probe result), probes per second, the scheduler's time per tick (from the
 * processor's {@code milterwatch_schedule_tick_seconds}), the query API's latency, the dashboard's
 * first paint in headless Chromium (when installed), disk per endpoint per day and the heap of each
 * role after a full GC. Every address is in 127.0.0.0/8 and the worker's scope is 127.0.0.0/8 only;
 * the silent targets (127.100.1.1 up) have nothing listening and answer with a reset.
 */
@Command(name = "bench-estate", mixinStandardHelpOptions = true,
        description = "Benchmark a whole estate of loopback targets: broker, processor and worker (prints figures; see docs/BENCHMARKS.md).",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch bench-estate                                 # 1,000,000 targets, every 300 s",
                "  milterwatch bench-estate --targets 100000 --interval 60 --duration 180",
                "  milterwatch bench-estate --targets 2000 --interval 10 --duration 20 --json report.json"})
public final class BenchEstateCommand implements Callable<Integer> {

    @Option(names = "--targets", defaultValue = "1000000", description = "Targets (one endpoint each), real listeners included (default ${DEFAULT-VALUE})")
    int targets;
    @Option(names = "--listeners", defaultValue = "4", description = "Real milter listeners on 127.0.0.1 among the targets (default ${DEFAULT-VALUE})")
    int listeners;
    @Option(names = "--port", defaultValue = "2525", description = "Port of the silent targets, nothing listens there (default ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--interval", defaultValue = "300", description = "Re-probe interval of the targets in seconds (default ${DEFAULT-VALUE})")
    int interval;
    @Option(names = "--duration", defaultValue = "120",
            description = "Seconds of steady state measured after the first full sweep: probes/s, scheduler, disk (default ${DEFAULT-VALUE})")
    int duration;
    @Option(names = "--sweep-timeout", defaultValue = "3600", description = "Seconds to wait for the first full sweep at most (default ${DEFAULT-VALUE})")
    int sweepTimeout;
    @Option(names = "--processor-heap", defaultValue = "2g", description = "-Xmx of the stream processor's JVM (default ${DEFAULT-VALUE})")
    String processorHeap;
    @Option(names = "--worker-heap", defaultValue = "1g", description = "-Xmx of the probe worker's JVM (default ${DEFAULT-VALUE})")
    String workerHeap;
    @Option(names = "--api-requests", defaultValue = "200", description = "Requests timed per API endpoint at most (default ${DEFAULT-VALUE})")
    int apiRequests;
    @Option(names = "--api-seconds", defaultValue = "60",
            description = "Seconds spent timing each API endpoint at most, when its answers are slow (default ${DEFAULT-VALUE})")
    int apiSeconds;
    @Option(names = "--page-loads", defaultValue = "3", description = "Dashboard loads timed in headless Chromium; 0: none (default ${DEFAULT-VALUE})")
    int pageLoads;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A setting for the processor and the worker (repeatable), e.g. worker.concurrency=8192")
    Map<String, String> extra = new LinkedHashMap<>();
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Broker, state stores and role logs here, kept (default: a temporary directory, deleted)")
    Path dataDir;
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE ('-': standard output)")
    String json;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final Path CHROMIUM = Path.of(System.getProperty("milterwatch.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("milterwatch.chromedriver", "/usr/bin/chromedriver"));
    private static final Pattern NEXT = Pattern.compile("\"next\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PrintWriter out;
    private final long began = System.nanoTime();
    private final Map<String, Object> report = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        check();
        final Path dir = dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("milterwatch-bench-estate");
        final List<Role> roles = new ArrayList<>();
        final Thread reaper = new Thread(() -> roles.forEach(Role::stop), "bench-estate-stop-roles");
        Runtime.getRuntime().addShutdownHook(reaper);
        try (LoopbackMilters milters = new LoopbackMilters(listeners, 1)) {
            machine();
            progress("starting the embedded broker in %s", dir);
            try (EmbeddedKafka broker = EmbeddedKafka.start(dir, "localhost", EmbeddedKafka.freePort(), EmbeddedKafka.freePort())) {
                try {
                    run(dir, broker, milters, roles);
                } finally {
                    // the roles before the broker, so that they close cleanly
                    roles.forEach(Role::stop);
                }
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(reaper);
            if (dataDir == null) {
                deleteTree(dir);
            }
        }
        if (json != null) {
            final String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
            if ("-".equals(json)) {
                out.println(text);
            } else {
                Files.writeString(Path.of(json), text + "\n", StandardCharsets.UTF_8);
            }
            out.flush();
        }
        return 0;
    }

    private void check() {
        final picocli.CommandLine cli = spec.commandLine();
        if (listeners < 0 || listeners > 1000) {
            throw new picocli.CommandLine.ParameterException(cli, "--listeners " + listeners + " is outside 0..1000");
        }
        if (targets <= listeners || targets - listeners > EstateAddresses.MAX) {
            throw new picocli.CommandLine.ParameterException(cli, "--targets " + targets + " is outside " + (listeners + 1) + ".."
                    + (EstateAddresses.MAX + listeners) + " (more than the --listeners " + listeners + ")");
        }
        if (interval < 5 || interval > 7 * 86_400) {
            throw new picocli.CommandLine.ParameterException(cli, "--interval " + interval + " is outside 5..604800 seconds");
        }
        if (duration < 1 || sweepTimeout < 1 || apiRequests < 1 || apiSeconds < 1 || pageLoads < 0) {
            throw new picocli.CommandLine.ParameterException(cli,
                    "--duration, --sweep-timeout, --api-requests and --api-seconds must be at least 1, --page-loads at least 0");
        }
        if (port < 1 || port > 65_535) {
            throw new picocli.CommandLine.ParameterException(cli, "--port " + port + " is outside 1..65535");
        }
    }

    private void run(final Path dir, final EmbeddedKafka broker, final LoopbackMilters milters, final List<Role> roles) throws Exception {
        final int processorPort = EmbeddedKafka.freePort();
        final int workerPort = EmbeddedKafka.freePort();
        final Path stateDir = dir.resolve("streams");
        final Properties p = new Properties();
        p.putAll(extra);
        p.put(CommonSettings.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
        p.put(ProcessorSettings.STATE_DIR.name(), stateDir.toString());
        p.put(ProcessorSettings.HTTP_PORT.name(), Integer.toString(processorPort));
        p.put(WorkerSettings.HTTP_PORT.name(), Integer.toString(workerPort));
        // Loopback only, whatever --set says: the worker refuses (and the import rejects) anything else.
        p.put(WorkerSettings.SCOPE_ALLOW.name(), "127.0.0.0/8");
        final Path config = dir.resolve("bench-estate.properties");
        try (OutputStream o = Files.newOutputStream(config)) {
            p.store(o, "bench-estate: settings of the processor, the worker and the import");
        }
        final Settings settings = Settings.load(io.milterwatch.cli.ConnectionOptions.ALL_SETTINGS, config, Map.of(), Map.of(),
                io.milterwatch.cli.ConnectionOptions.KAFKA_NAMES);
        final Topics topics = Topics.withPrefix(settings.string(CommonSettings.TOPIC_PREFIX.name()));
        TopicProvisioner.ensureTopics(settings, topics);

        progress("starting the stream processor (-Xmx%s) and the probe worker (-Xmx%s), each in a JVM of its own", processorHeap, workerHeap);
        final Role processor = Role.start("processor", processorHeap, processorPort, config, dir);
        roles.add(processor);
        final Role worker = Role.start("worker", workerHeap, workerPort, config, dir);
        roles.add(worker);
        awaitReady(processor);
        awaitReady(worker);
        progress("processor pid %d (http://127.0.0.1:%d/), worker pid %d (http://127.0.0.1:%d/metrics)", processor.pid(), processorPort,
                worker.pid(), workerPort);

        final Path file = writeTargets(dir, milters);
        final Sweep sweep = new Sweep(broker.bootstrapServers(), topics.probeResults(), targets - listeners, milters.addresses());
        final Thread sweeper = new Thread(sweep, "bench-estate-results");
        sweeper.setDaemon(true);
        sweeper.start();
        try {
            final long importStart = System.nanoTime();
            importTargets(file, config);
            final long importEnd = System.nanoTime();
            final double importS = (importEnd - importStart) / 1e9;
            line("import", String.format(Locale.ROOT, "%,d targets in %.1f s = %,.0f targets/s (targets import; issue 15's target: 1,000,000 in 60 s at most)",
                    targets, importS, targets / importS));
            report.put("import", Map.of("targets", targets, "seconds", round(importS), "targetsPerSecond", Math.round(targets / importS)));

            awaitSweep(sweep, importStart, importEnd, processor, worker);
            steady(broker, stateDir, sweep, processor, worker);
            // Heap and disk before the API and the dashboard: what a large answer costs is theirs to show, not the heap's.
            heaps(processor, worker);
            disk(broker, stateDir, topics);
            api(processorPort);
            try {
                dashboard(processorPort);
            } catch (final org.openqa.selenium.WebDriverException e) {
                line("dashboard", "not measured: the browser failed: " + abbreviate(String.valueOf(e.getMessage())));
                report.put("dashboard", Map.of("measured", false, "error", String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
            }
        } finally {
            sweep.stop();
            sweeper.join(10_000);
        }
    }

    // ---------------------------------------------------------------- phases

    private void machine() {
        final double[] load = loadAverage();
        final String text = String.format(Locale.ROOT, "%,d targets (%d real milter listeners, %,d silent on port %d), interval %d s; "
                        + "processor -Xmx%s, worker -Xmx%s; %d CPUs, %.1f GiB memory, java %s; load average %.2f %.2f %.2f", targets, listeners,
                targets - listeners, port, interval, processorHeap, workerHeap, Runtime.getRuntime().availableProcessors(), totalMemory() / 1073741824.0,
                System.getProperty("java.version"), load[0], load[1], load[2]);
        line("bench-estate", text);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("targets", targets);
        m.put("listeners", listeners);
        m.put("intervalSeconds", interval);
        m.put("processorXmx", processorHeap);
        m.put("workerXmx", workerHeap);
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("memoryBytes", totalMemory());
        m.put("java", System.getProperty("java.version"));
        m.put("loadAverageBefore", List.of(load[0], load[1], load[2]));
        report.put("machine", m);
    }

    private Path writeTargets(final Path dir, final LoopbackMilters milters) throws IOException {
        final Path file = dir.resolve("targets.txt");
        final List<InetSocketAddress> real = milters.addresses();
        final int silent = targets - listeners;
        // The real listeners spread among the silent targets, not all at the start or the end.
        final int every = real.isEmpty() ? Integer.MAX_VALUE : Math.max(1, silent / real.size());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            int r = 0;
            for (int i = 0; i < silent; i++) {
                if (i % every == 0 && r < real.size()) {
                    final InetSocketAddress a = real.get(r++);
                    w.println(a.getAddress().getHostAddress() + ":" + a.getPort());
                }
                w.println(EstateAddresses.ip(i) + ":" + port);
            }
            while (r < real.size()) {
                final InetSocketAddress a = real.get(r++);
                w.println(a.getAddress().getHostAddress() + ":" + a.getPort());
            }
        }
        return file;
    }

    private void importTargets(final Path file, final Path config) {
        progress("importing %,d targets from %s with 'targets import' (interval %d s)", targets, file, interval);
        final picocli.CommandLine cli = Main.commandLine();
        final StringWriter captured = new StringWriter();
        final PrintWriter both = new PrintWriter(new java.io.Writer() {
            @Override
            public void write(final char[] c, final int off, final int len) {
                captured.write(c, off, len);
                out.write(c, off, len);
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
            }
        }, true);
        cli.setOut(both);
        cli.setErr(both);
        final int rc = cli.execute("targets", "import", file.toString(), "--config", config.toString(), "--interval", Integer.toString(interval),
                "--progress-every", Integer.toString(Math.max(1000, targets / 10)));
        both.flush();
        if (rc != 0) {
            throw new IllegalStateException("targets import exited with " + rc + ": " + captured);
        }
    }

    private void awaitSweep(final Sweep sweep, final long importStart, final long importEnd, final Role processor, final Role worker)
            throws InterruptedException {
        final long deadline = importStart + TimeUnit.SECONDS.toNanos(sweepTimeout);
        long lastCount = sweep.results.get();
        long last = System.nanoTime();
        while (sweep.probedAt == 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(Math.min(5000, Math.max(200, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            processor.requireAlive();
            worker.requireAlive();
            sweep.requireHealthy();
            final long now = System.nanoTime();
            final long count = sweep.results.get();
            progress("sweep: %,d / %,d endpoints with a result, %,d probed (a result other than ERROR), %,.0f results/s", sweep.distinct.get(), targets,
                    sweep.probed.get(), (count - lastCount) / ((now - last) / 1e9));
            lastCount = count;
            last = now;
        }
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("endpointsWithResult", sweep.distinct.get());
        m.put("endpointsProbed", sweep.probed.get());
        m.put("outcomes", sweep.outcomes());
        m.put("errors", sweep.errors());
        final String anyResult = sweep.fullAt == 0 ? String.format(Locale.ROOT, "%,d had any result", sweep.distinct.get())
                : String.format(Locale.ROOT, "every endpoint had some result (ERROR included) %.1f s after the import began", (sweep.fullAt - importStart) / 1e9);
        final String errors = sweep.errors().isEmpty() ? "" : "; ERROR results by reason " + sweep.errors();
        if (sweep.probedAt == 0) {
            line("first full sweep", String.format(Locale.ROOT, "not reached: %,d of %,d endpoints probed (a result other than ERROR) after %d s "
                    + "(--sweep-timeout), %s; outcomes %s%s", sweep.probed.get(), targets, sweepTimeout, anyResult, sweep.outcomes(), errors));
            m.put("reached", false);
        } else {
            final double fromStart = (sweep.probedAt - importStart) / 1e9;
            final double fromEnd = (sweep.probedAt - importEnd) / 1e9;
            line("first full sweep", String.format(Locale.ROOT, "all %,d endpoints probed (a result other than ERROR) %.1f s after the import began "
                    + "(%.1f s after it ended) = %,.0f endpoints/s; %s; outcomes %s%s", targets, fromStart, fromEnd, targets / fromStart, anyResult,
                    sweep.outcomes(), errors));
            m.put("reached", true);
            m.put("secondsFromImportStart", round(fromStart));
            m.put("secondsFromImportEnd", round(fromEnd));
            m.put("endpointsPerSecond", Math.round(targets / fromStart));
        }
        report.put("sweep", m);
    }

    private Snapshot steadyStart;
    private Snapshot steadyEnd;

    private void steady(final EmbeddedKafka broker, final Path stateDir, final Sweep sweep, final Role processor, final Role worker) throws Exception {
        progress("steady state: measuring for %d s", duration);
        steadyStart = Snapshot.take(broker.logDir(), sweep, processor, worker, metrics(processor));
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
        while (System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(10_000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            processor.requireAlive();
            worker.requireAlive();
            sweep.requireHealthy();
            progress("steady: %,d results so far", sweep.results.get() - steadyStart.results);
        }
        steadyEnd = Snapshot.take(broker.logDir(), sweep, processor, worker, metrics(processor));
        final double seconds = (steadyEnd.at - steadyStart.at) / 1e9;
        final long results = steadyEnd.results - steadyStart.results;
        final long probes = steadyEnd.probes - steadyStart.probes;
        line("probes", String.format(Locale.ROOT, "%,.0f results/s over %.0f s of steady state, %,.0f/s of them probed (not ERROR); "
                + "%,d targets every %d s need %,.0f/s", results / seconds, seconds, probes / seconds, targets, interval, (double) targets / interval));
        report.put("steady", Map.of("seconds", round(seconds), "results", results, "resultsPerSecond", Math.round(results / seconds),
                "probesPerSecond", Math.round(probes / seconds), "neededPerSecond", round((double) targets / interval)));

        final Map<String, Object> s = new LinkedHashMap<>();
        final Double c0 = steadyStart.metric("milterwatch_schedule_tick_seconds_count");
        final Double c1 = steadyEnd.metric("milterwatch_schedule_tick_seconds_count");
        final Double s0 = steadyStart.metric("milterwatch_schedule_tick_seconds_sum");
        final Double s1 = steadyEnd.metric("milterwatch_schedule_tick_seconds_sum");
        final double processorCpu = (steadyEnd.processorCpu - steadyStart.processorCpu) / seconds * 100;
        final double workerCpu = (steadyEnd.workerCpu - steadyStart.workerCpu) / seconds * 100;
        if (c0 != null && c1 != null && s0 != null && s1 != null && c1 > c0) {
            final double ticks = c1 - c0;
            final double perTickMs = (s1 - s0) / ticks * 1000;
            final Double max = steadyEnd.metric("milterwatch_schedule_tick_seconds_max");
            final Double d0 = steadyStart.metric("milterwatch_schedule_due_total");
            final Double d1 = steadyEnd.metric("milterwatch_schedule_due_total");
            final String due = d0 != null && d1 != null ? String.format(Locale.ROOT, ", %,.0f due per tick", (d1 - d0) / ticks) : "";
            line("scheduler", String.format(Locale.ROOT, "%,.0f ticks, %.2f ms per tick (max %s)%s = %.2f %% of a core "
                            + "(milterwatch_schedule_tick_seconds; issue 15's target: 5 %% at most at 1,000,000 targets)", ticks, perTickMs,
                    max == null ? "n/a" : String.format(Locale.ROOT, "%.2f ms", max * 1000), due, (s1 - s0) / seconds * 100));
            s.put("ticks", Math.round(ticks));
            s.put("msPerTick", round(perTickMs));
            s.put("maxMs", max == null ? null : round(max * 1000));
            s.put("duePerTick", d0 != null && d1 != null ? round((d1 - d0) / ticks) : null);
            s.put("percentOfACore", round((s1 - s0) / seconds * 100));
            // The thread's CPU clock: what the ticks cost, without the time they waited for a core.
            final Double cpu0 = steadyStart.metric("milterwatch_schedule_cpu_seconds_total");
            final Double cpu1 = steadyEnd.metric("milterwatch_schedule_cpu_seconds_total");
            if (cpu0 != null && cpu1 != null && d0 != null && d1 != null && d1 > d0) {
                final double perTarget = (cpu1 - cpu0) / (d1 - d0);
                final double steadyShare = perTarget * targets / interval * 100;
                line("scheduler cpu", String.format(Locale.ROOT, "%.2f ms of CPU per tick, %.1f µs per target requested; at %,d targets every %d s "
                                + "(%,.0f requested per second) that is %.2f %% of a core (milterwatch_schedule_cpu_seconds_total; issue 15's "
                                + "target: 5 %% at most)", (cpu1 - cpu0) / ticks * 1000, perTarget * 1e6, targets, interval,
                        (double) targets / interval, steadyShare));
                s.put("cpuMsPerTick", round((cpu1 - cpu0) / ticks * 1000));
                s.put("cpuMicrosPerTarget", round(perTarget * 1e6));
                s.put("cpuPercentOfACoreAtSteadyRate", round(steadyShare));
            }
        } else {
            line("scheduler", "not measured by the timer: the processor's /metrics has no milterwatch_schedule_tick_seconds (or no tick in the window); "
                    + String.format(Locale.ROOT, "the whole processor used %.1f %% of a core (an upper bound)", processorCpu));
            s.put("ticks", null);
            s.put("msPerTick", null);
            s.put("percentOfACore", null);
        }
        s.put("processorCpuPercentOfACore", round(processorCpu));
        s.put("workerCpuPercentOfACore", round(workerCpu));
        report.put("scheduler", s);
        line("cpu", String.format(Locale.ROOT, "processor %.1f %% of a core, worker %.1f %% of a core (whole processes, every thread, over the window)",
                processorCpu, workerCpu));
    }

    private void api(final int processorPort) throws Exception {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("summary", time("/api/summary", processorPort, false));
        m.put("statePage100", time("/api/state?limit=100", processorPort, true));
        report.put("api", m);
    }

    /**
     * Times {@code apiRequests} GETs after up to 10 untimed ones, for {@code apiSeconds} at most; for a page, follows its
     * {@code next} cursor and starts over at the end.
     */
    private Map<String, Object> time(final String path, final int processorPort, final boolean follow) throws Exception {
        final String base = "http://127.0.0.1:" + processorPort;
        final Map<String, Object> m = new LinkedHashMap<>();
        Answer first = fetch(base + path);
        // 503 while a stream thread rebalances or restores: wait for it, as a user would reload
        final long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (first.status == 503 && System.nanoTime() < readyBy) {
            TimeUnit.SECONDS.sleep(1);
            first = fetch(base + path);
        }
        m.put("status", first.status);
        if (first.status != 200) {
            line("api " + path, "not measured: answers " + first.status + (first.status == 404 ? " (no such endpoint in this build)" : "")
                    + ": " + abbreviate(first.text));
            return m;
        }
        final List<Long> micros = new ArrayList<>();
        String next = null;
        long bytes = 0;
        final long budgetEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(apiSeconds);
        final int warmup = 3;
        for (int i = -warmup; i < apiRequests && System.nanoTime() < budgetEnd; i++) {
            final String url = next == null ? base + path : base + path + "&cursor=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
            final long t0 = System.nanoTime();
            final Answer r = fetch(url);
            final long t = (System.nanoTime() - t0) / 1000;
            if (r.status != 200) {
                throw new IllegalStateException("GET " + url + " answered " + r.status + ": " + abbreviate(r.text));
            }
            if (i >= 0) {
                micros.add(t);
                bytes += r.bytes;
            }
            if (follow) {
                final Matcher n = NEXT.matcher(r.text);
                next = n.find() ? n.group(1) : null;
            }
        }
        if (micros.isEmpty()) {
            line("api " + path, String.format(Locale.ROOT, "not measured: no timed request within --api-seconds %d (%,d bytes per answer)", apiSeconds,
                    first.bytes));
            return m;
        }
        final int n = micros.size();
        Collections.sort(micros);
        final double p50 = percentile(micros, 0.50) / 1000.0;
        final double p99 = percentile(micros, 0.99) / 1000.0;
        final double max = micros.get(micros.size() - 1) / 1000.0;
        line("api " + path, String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d requests%s%s, %,d bytes each on average "
                        + "(issue 15's target: p99 under 200 ms)", p50, p99, max, n, n < apiRequests ? " (all that --api-seconds " + apiSeconds + " allowed)" : "",
                follow ? " following the next cursor" : "", bytes / n));
        m.put("requests", n);
        m.put("p50Ms", round(p50));
        m.put("p99Ms", round(p99));
        m.put("maxMs", round(max));
        m.put("meanBytes", bytes / n);
        return m;
    }

    /** An answer read to its end, of which only the first 64 KiB and the last 4 KiB are kept (an unpaged answer may be huge). */
    private record Answer(int status, long bytes, String text) {
    }

    private Answer fetch(final String url) throws IOException, InterruptedException {
        final HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        final byte[] head = new byte[65_536];
        final byte[] tail = new byte[4096];
        final byte[] buf = new byte[65_536];
        long total = 0;
        int headLen = 0;
        int tailLen = 0;
        try (InputStream in = r.body()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (headLen < head.length) {
                    final int k = Math.min(n, head.length - headLen);
                    System.arraycopy(buf, 0, head, headLen, k);
                    headLen += k;
                }
                if (n >= tail.length) {
                    System.arraycopy(buf, n - tail.length, tail, 0, tail.length);
                    tailLen = tail.length;
                } else {
                    final int keep = Math.min(tailLen, tail.length - n);
                    System.arraycopy(tail, tailLen - keep, tail, 0, keep);
                    System.arraycopy(buf, 0, tail, keep, n);
                    tailLen = keep + n;
                }
                total += n;
            }
        }
        final String text = total <= headLen ? new String(head, 0, headLen, StandardCharsets.UTF_8)
                : new String(head, 0, headLen, StandardCharsets.UTF_8) + " ... " + new String(tail, 0, tailLen, StandardCharsets.UTF_8);
        return new Answer(r.statusCode(), total, text);
    }

    private HttpResponse<String> get(final String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * First contentful paint (the browser's Paint Timing) and the moment the page's text first holds
     * the number of endpoints (the counts per state drawn), both from navigation start, per load.
     */
    private void dashboard(final int processorPort) throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        report.put("dashboard", m);
        if (pageLoads == 0) {
            line("dashboard", "not measured: --page-loads 0");
            m.put("measured", false);
            return;
        }
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            line("dashboard", "not measured: needs chromium at " + CHROMIUM + " and chromedriver at " + CHROMEDRIVER
                    + " (Debian: apt-get install chromium chromium-driver)");
            m.put("measured", false);
            return;
        }
        final Path profile = Files.createTempDirectory("bench-estate-chromium");
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // get() returns at DOMContentLoaded; the page's own fetching and drawing are what the polling below times
        options.setPageLoadStrategy(org.openqa.selenium.PageLoadStrategy.EAGER);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-default-apps",
                "--disable-sync", "--disable-background-networking", "--disable-component-update", "--disable-domain-reliability", "--no-pings",
                "--metrics-recording-only",
                // loopback only: no name resolves except 127.0.0.1, and anything else goes to a dead proxy on loopback
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1");
        // The driver's path is given, so Selenium Manager is never asked (it would look on the network).
        final ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        final List<Map<String, Object>> loads = new ArrayList<>();
        final ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10)).pageLoadTimeout(Duration.ofSeconds(60));
            final String url = "http://127.0.0.1:" + processorPort + "/";
            for (int i = 0; i < pageLoads; i++) {
                browser.get("about:blank");
                browser.get(url);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Double counts = null;
                Double fcp = null;
                while (System.nanoTime() < deadline && (counts == null || fcp == null)) {
                    final Map<String, Object> r;
                    try {
                        @SuppressWarnings("unchecked")
                        final Map<String, Object> answer = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(
                                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                                        + "const t = (document.body ? document.body.innerText : '').replace(/[,\\u202f\\u00a0\\u2009' ]/g, '');"
                                        + "return {fcp: p ? p.startTime : null, now: performance.now(), shown: t.includes(arguments[0])};",
                                Integer.toString(targets));
                        r = answer;
                    } catch (final org.openqa.selenium.ScriptTimeoutException | org.openqa.selenium.TimeoutException e) {
                        // the page's main thread is busy (drawing, say): ask again until the deadline
                        continue;
                    }
                    if (fcp == null && r.get("fcp") != null) {
                        fcp = ((Number) r.get("fcp")).doubleValue();
                    }
                    if (counts == null && Boolean.TRUE.equals(r.get("shown"))) {
                        counts = ((Number) r.get("now")).doubleValue();
                    }
                    try {
                        TimeUnit.MILLISECONDS.sleep(20);
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                final Map<String, Object> load = new LinkedHashMap<>();
                load.put("firstContentfulPaintMs", fcp == null ? null : round(fcp));
                load.put("countsShownMs", counts == null ? null : round(counts));
                loads.add(load);
            }
        } finally {
            browser.quit();
            deleteTree(profile);
        }
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < loads.size(); i++) {
            final Object fcp = loads.get(i).get("firstContentfulPaintMs");
            final Object shown = loads.get(i).get("countsShownMs");
            text.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "load %d: first contentful paint %s, %,d endpoints shown %s", i + 1,
                    fcp == null ? "none within 60 s" : fcp + " ms", targets, shown == null ? "not within 60 s" : "at " + shown + " ms"));
        }
        line("dashboard", text + " (headless Chromium, from navigation start; issue 15's target: under 2 s)");
        m.put("measured", true);
        m.put("loads", loads);
    }

    private void heaps(final Role processor, final Role worker) throws Exception {
        final Map<String, Object> m = new LinkedHashMap<>();
        final StringBuilder text = new StringBuilder();
        for (final Role r : List.of(processor, worker)) {
            final String gc = r.fullGc();
            final Double used = metric(metrics(r), "jvm_memory_used_bytes", "area=\"heap\"");
            final long rss = r.rssBytes();
            final Map<String, Object> h = new LinkedHashMap<>();
            h.put("xmx", r.xmx);
            h.put("heapUsedAfterGcBytes", used == null ? null : used.longValue());
            h.put("rssBytes", rss);
            h.put("gc", gc == null ? "jcmd GC.run" : gc);
            m.put(r.name, h);
            text.append(text.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%s %s MB used of -Xmx%s (RSS %,d MB)%s", r.name,
                    used == null ? "n/a" : String.format(Locale.ROOT, "%,.0f", used / 1048576), r.xmx, rss >> 20, gc == null ? "" : " [" + gc + "]"));
        }
        line("heap after GC", text.toString());
        report.put("heap", m);
    }

    private void disk(final EmbeddedKafka broker, final Path stateDir, final Topics names) throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        final long grown = steadyEnd.logBytes - steadyStart.logBytes;
        final long results = steadyEnd.results - steadyStart.results;
        final Map<String, Long> byTopic = segmentBytesByTopic(broker.logDir());
        final long logDirBytes = treeBytes(broker.logDir());
        final long stateBytes = treeBytes(stateDir);
        m.put("brokerLogDirBytes", logDirBytes);
        m.put("stateStoreBytes", stateBytes);
        m.put("stateStoreBytesPerEndpoint", stateBytes / targets);
        m.put("segmentBytesByTopic", byTopic);
        m.put("windowSegmentBytes", grown);
        m.put("windowResults", results);
        String perDay = "not measured: no probe result in the steady-state window (use a longer --duration or a shorter --interval)";
        if (results > 0) {
            final double perProbe = (double) grown / results;
            final double atDefault = perProbe * 1000 * 86_400 / 300;
            final double atInterval = perProbe * 1000 * 86_400 / interval;
            // Only the high-volume topics keep a day (topic.retention.ms); the compacted ones (targets, state, store
            // changelogs) are bounded by their keys once cleaned, so their growth per result is shown apart.
            long timeBounded = 0;
            for (final String t : names.highVolume()) {
                timeBounded += steadyEnd.byTopic.getOrDefault(t, 0L) - steadyStart.byTopic.getOrDefault(t, 0L);
            }
            final double boundedPerProbe = (double) timeBounded / results;
            final double boundedAtDefault = boundedPerProbe * 1000 * 86_400 / 300;
            perDay = String.format(Locale.ROOT, "%,.0f bytes of log segments per probe result (+%,.1f MB for %,d results in the window); "
                    + "per 1,000 endpoints per day: %,.0f MB at the default 300 s interval (%,.0f MB at %d s); of which the time-bounded "
                    + "high-volume topics %,.0f bytes per result = %,.0f MB per 1,000 endpoints per day at 300 s, the rest compacted topics "
                    + "and changelogs (bounded by compaction)", perProbe, grown / 1048576.0, results, atDefault / 1048576, atInterval / 1048576,
                    interval, boundedPerProbe, boundedAtDefault / 1048576);
            m.put("bytesPerProbe", Math.round(perProbe));
            m.put("timeBoundedBytesPerProbe", Math.round(boundedPerProbe));
            m.put("timeBoundedMbPer1000EndpointsPerDayAt300s", round(boundedAtDefault / 1048576));
            m.put("mbPer1000EndpointsPerDayAt300s", round(atDefault / 1048576));
            m.put("mbPer1000EndpointsPerDayAtInterval", round(atInterval / 1048576));
        }
        line("disk", perDay);
        final StringBuilder topics = new StringBuilder();
        byTopic.forEach((t, b) -> topics.append(topics.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %,.1f", t, b / 1048576.0)));
        line("disk now", String.format(Locale.ROOT, "broker log dir %,.1f MB, state stores %,.1f MB (%,d bytes per endpoint); log segments by topic (MB): %s",
                logDirBytes / 1048576.0, stateBytes / 1048576.0, stateBytes / targets, topics));
        report.put("disk", m);
    }

    // ---------------------------------------------------------------- helpers

    private void awaitReady(final Role role) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            role.requireAlive();
            try {
                if (get("http://127.0.0.1:" + role.httpPort + "/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (final IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException(role.name + " not ready within 180 s; its log: " + role.log);
    }

    private String metrics(final Role role) {
        try {
            final HttpResponse<String> r = get("http://127.0.0.1:" + role.httpPort + "/metrics");
            return r.statusCode() == 200 ? r.body() : "";
        } catch (final IOException e) {
            return "";
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The sum of every sample of a Prometheus metric whose labels contain {@code labels} (null: any), or null when there is none. */
    static Double metric(final String text, final String name, final String labels) {
        Double sum = null;
        for (final String l : text.split("\n")) {
            if (!l.startsWith(name) || l.length() <= name.length()) {
                continue;
            }
            final char c = l.charAt(name.length());
            if (c != '{' && c != ' ') {
                continue;
            }
            if (labels != null && (c != '{' || !l.substring(0, l.indexOf('}') + 1).contains(labels))) {
                continue;
            }
            final String[] parts = l.trim().split("\\s+");
            try {
                final double v = Double.parseDouble(parts[c == '{' ? lastBrace(parts) : 1]);
                sum = sum == null ? v : sum + v;
            } catch (final NumberFormatException | ArrayIndexOutOfBoundsException e) {
                // not a sample line
            }
        }
        return sum;
    }

    private static int lastBrace(final String[] parts) {
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].endsWith("}")) {
                return i + 1;
            }
        }
        return parts.length;
    }

    private static long percentile(final List<Long> sorted, final double q) {
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * q) - 1));
    }

    private static double round(final double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String abbreviate(final String s) {
        final String one = s.replace('\n', ' ');
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }

    private void line(final String label, final String text) {
        out.println(label + ": " + text);
        out.flush();
    }

    private void progress(final String format, final Object... args) {
        out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - began) / 1e9, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static double[] loadAverage() {
        try {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (final IOException | RuntimeException e) {
            final double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return new double[] {l, l, l};
        }
    }

    private static long totalMemory() {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
    }

    /** Bytes in the log segments ({@code *.log}) under a broker's log dir per topic: what grows with records (indexes are preallocated). */
    static Map<String, Long> segmentBytesByTopic(final Path logDir) throws IOException {
        final Map<String, Long> byTopic = new TreeMap<>();
        try (Stream<Path> files = Files.walk(logDir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".log") && f.getParent() != null).forEach(f -> {
                final String partitionDir = f.getParent().getFileName().toString();
                final int dash = partitionDir.lastIndexOf('-');
                final String topic = dash > 0 ? partitionDir.substring(0, dash) : partitionDir;
                try {
                    byTopic.merge(topic, Files.size(f), Long::sum);
                } catch (final IOException e) {
                    // a segment deleted meanwhile
                }
            });
        }
        return byTopic;
    }

    /** Disk a directory takes: allocated blocks by {@code du} (Kafka's index files are sparse), else the files' sizes. */
    static long treeBytes(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try {
            final Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            final String text;
            try (InputStream in = du.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (du.waitFor(60, TimeUnit.SECONDS) && du.exitValue() == 0) {
                return Long.parseLong(text.trim().split("\\s+")[0]);
            }
        } catch (final IOException | RuntimeException e) {
            // no du here: the files' sizes below
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        final AtomicLong sum = new AtomicLong();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    sum.addAndGet(Files.size(f));
                } catch (final IOException e) {
                    // deleted meanwhile (a compacted segment, a RocksDB file)
                }
            });
        }
        return sum.get();
    }

    private static void deleteTree(final Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (final IOException e) {
            // best effort: a temporary directory
        }
    }

    // ---------------------------------------------------------------- parts

    /** What the window's start and end are compared by. */
    private record Snapshot(long at, long logBytes, Map<String, Long> byTopic, long results, long probes, double processorCpu, double workerCpu,
            String processorMetrics) {

        static Snapshot take(final Path logDir, final Sweep sweep, final Role processor, final Role worker, final String metrics) throws IOException {
            final Map<String, Long> byTopic = segmentBytesByTopic(logDir);
            return new Snapshot(System.nanoTime(), byTopic.values().stream().mapToLong(Long::longValue).sum(), byTopic, sweep.results.get(),
                    sweep.probes.get(), processor.cpuSeconds(), worker.cpuSeconds(), metrics);
        }

        Double metric(final String name) {
            return BenchEstateCommand.metric(processorMetrics, name, null);
        }
    }

    /** A role ({@code milterwatch processor} or {@code worker}) in a JVM of its own, on this JVM's class path. */
    private static final class Role {
        final String name;
        final String xmx;
        final int httpPort;
        final Path log;
        final Process process;

        private Role(final String name, final String xmx, final int httpPort, final Path log, final Process process) {
            this.name = name;
            this.xmx = xmx;
            this.httpPort = httpPort;
            this.log = log;
            this.process = process;
        }

        static Role start(final String name, final String xmx, final int httpPort, final Path config, final Path dir) throws IOException {
            final Path log = dir.resolve(name + ".log");
            final List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + xmx,
                    // The JVM raises its descriptor limit to the hard limit by default; said here so that it is visible.
                    "-XX:+MaxFDLimit", "-cp", System.getProperty("java.class.path"), Main.class.getName(), name, "--config", config.toString());
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Role(name, xmx, httpPort, log, p);
        }

        long pid() {
            return process.pid();
        }

        void requireAlive() {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; the end of its log (" + log + "):\n" + tail());
            }
        }

        private String tail() {
            try {
                final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
            } catch (final IOException | RuntimeException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        }

        /** User plus system CPU seconds of the process, from /proc (0 where there is no /proc). */
        double cpuSeconds() {
            try {
                final String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
                final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields 14 and 15 of stat(5), counted from the state (field 3) here; clock ticks of 1/100 s on Linux
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
            } catch (final IOException | RuntimeException e) {
                return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
            }
        }

        long rssBytes() {
            try {
                for (final String l : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                    if (l.startsWith("VmRSS:")) {
                        return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (final IOException | RuntimeException e) {
                // no /proc
            }
            return -1;
        }

        /** A full GC through jcmd; null when it worked, else why not. */
        String fullGc() throws InterruptedException {
            final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            try {
                final Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid()), "GC.run")
                        .redirectErrorStream(true).start();
                final String text;
                try (InputStream in = p.getInputStream()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    return "no full GC: jcmd failed: " + abbreviate(text);
                }
                return null;
            } catch (final IOException e) {
                return "no full GC: " + e.getMessage();
            }
        }

        void stop() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (final InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Reads every probe result from the beginning and marks its endpoint; the first full sweep is when every target has one. */
    private static final class Sweep implements Runnable {
        private final String bootstrap;
        private final String topic;
        private final BitSet seen;
        private final BitSet probedSet;
        private final Map<String, Long> errorReasons = new java.util.concurrent.ConcurrentHashMap<>();
        private final int silent;
        private final Map<String, Integer> real = new HashMap<>();
        private final int total;
        final AtomicLong results = new AtomicLong();
        final AtomicInteger distinct = new AtomicInteger();
        final AtomicInteger probed = new AtomicInteger();
        final AtomicLong probes = new AtomicLong();
        volatile long probedAt;
        private final Map<Outcome, AtomicLong> outcomes = new EnumMap<>(Outcome.class);
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile Exception failure;
        volatile long fullAt;

        Sweep(final String bootstrap, final String topic, final int silent, final List<InetSocketAddress> listeners) {
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.silent = silent;
            this.total = silent + listeners.size();
            this.seen = new BitSet(total);
            this.probedSet = new BitSet(total);
            for (final InetSocketAddress a : listeners) {
                real.put(a.getAddress().getHostAddress() + ":" + a.getPort(), silent + real.size());
            }
            for (final Outcome o : Outcome.values()) {
                outcomes.put(o, new AtomicLong());
            }
        }

        @Override
        public void run() {
            final Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                final List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                while (!stop.get()) {
                    for (final ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        results.incrementAndGet();
                        final ProbeResult result = Records.PROBE_RESULT.decode(r.topic(), r.value());
                        outcomes.get(result.getOutcome()).incrementAndGet();
                        final int i = r.key() == null ? -1 : index(r.key());
                        if (i >= 0 && !seen.get(i)) {
                            seen.set(i);
                            if (distinct.incrementAndGet() == total) {
                                fullAt = System.nanoTime();
                            }
                        }
                        if (result.getOutcome() == Outcome.ERROR) {
                            // an expired request is answered with ERROR, not probed: counted by its reason (numbers elided)
                            final String why = result.getError() == null ? "(no reason)" : result.getError().replaceAll("[0-9]+", "N");
                            if (errorReasons.size() < 10 || errorReasons.containsKey(why)) {
                                errorReasons.merge(why.length() > 80 ? why.substring(0, 80) : why, 1L, Long::sum);
                            }
                        } else if (probes.incrementAndGet() > 0 && i >= 0 && !probedSet.get(i)) {
                            probedSet.set(i);
                            if (probed.incrementAndGet() == total) {
                                probedAt = System.nanoTime();
                            }
                        }
                    }
                }
            } catch (final Exception e) {
                failure = e;
            }
        }

        private int index(final String key) {
            final Integer r = real.get(key);
            if (r != null) {
                return r;
            }
            final int i = EstateAddresses.index(key);
            return i < silent ? i : -1;
        }

        Map<String, Long> errors() {
            return new TreeMap<>(errorReasons);
        }

        Map<String, Long> outcomes() {
            final Map<String, Long> m = new LinkedHashMap<>();
            outcomes.forEach((o, n) -> {
                if (n.get() > 0) {
                    m.put(o.name(), n.get());
                }
            });
            return m;
        }

        void requireHealthy() {
            if (failure != null) {
                throw new IllegalStateException("reading " + topic + " failed: " + failure.getMessage(), failure);
            }
        }

        void stop() {
            stop.set(true);
        }
    }
}
