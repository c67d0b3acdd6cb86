package io.milterwatch.bench;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.probe.TransportKind;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.probe.ProbeOutcome;
import io.milterwatch.worker.probe.ProbeTimeouts;
import io.milterwatch.worker.scope.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A benchmark, not a test: it prints figures and asserts nothing. Every probe goes to loopback
 * (127.0.0.0/8); the engine's scope is set to 127.0.0.0/8 so that nothing else can be reached.
 *
 * <ol>
 *   <li>full milter handshakes per second against N in-process non-blocking listeners on 127.0.0.1
 *       (several ports: the kernel caps new connections per destination port), at concurrency C;</li>
 *   <li>with {@code --filtered}: 10,000 addresses in 127.77.0.0/16 whose SYNs an nftables table
 *       added by this command drops (removed afterwards; run it inside a network namespace of its
 *       own), the time to resolve all of them as FILTERED, and the heap with all 10,000 in flight;</li>
 *   <li>with {@code --nmap}: {@code nmap -sT} and {@code nmap -sV} on the same listener ports.</li>
 * </ol>
 */
@Command(name = "bench-probe", mixinStandardHelpOptions = true,
        description = "Benchmark the probe engine on loopback (prints figures; see docs/BENCHMARKS.md).",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch bench-probe", "  milterwatch bench-probe --concurrency 1024 --probes 500000",
                "  ip netns exec bench milterwatch bench-probe --filtered       # root, in a namespace of its own"})
public final class BenchProbeCommand implements Callable<Integer> {

    @Option(names = "--listeners", defaultValue = "16", description = "Loopback milter listeners (ports), default ${DEFAULT-VALUE}")
    int listeners;

    @Option(names = "--addresses", defaultValue = "4",
            description = "Loopback addresses the listeners are spread over (127.0.0.1, .2, ...), default ${DEFAULT-VALUE}")
    int addresses;

    @Option(names = "--reactors", defaultValue = "auto",
            description = "Event-loop threads of the engine (worker.reactors), default ${DEFAULT-VALUE}")
    String reactors;

    @Option(names = "--transport", defaultValue = "auto",
            description = "Socket layer of the engine (worker.transport): auto, epoll or nio; default ${DEFAULT-VALUE}")
    TransportKind transport;

    @Option(names = "--targets", split = ",", paramLabel = "127.x.y.z:PORT",
            description = "Probe these loopback listeners (another process, say) instead of starting listeners in this one")
    List<String> externalTargets;

    @Option(names = "--serve", description = "Only run the loopback listeners (prints their addresses) until stopped")
    boolean serve;

    @Option(names = "--concurrency", defaultValue = "512", description = "Handshakes in flight, default ${DEFAULT-VALUE}")
    int concurrency;

    @Option(names = "--probes", defaultValue = "200000", description = "Handshakes to run, default ${DEFAULT-VALUE}")
    int probes;

    @Option(names = "--warmup", defaultValue = "20000", description = "Handshakes before measuring, default ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--rounds", defaultValue = "1",
            description = "Measured rounds of --probes handshakes each, one line per round and their median, default ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--filtered", description = "Also time 10,000 FILTERED targets (root; adds and removes an nftables table)")
    boolean filtered;

    @Option(names = "--filtered-count", defaultValue = "10000", description = "FILTERED targets, default ${DEFAULT-VALUE}")
    int filteredCount;

    @Option(names = "--connect-timeout-ms", defaultValue = "3000", description = "Connect timeout, default ${DEFAULT-VALUE}")
    int connectTimeoutMs;

    @Option(names = "--nmap", description = "Also run nmap -sT and nmap -sV on the listener ports")
    boolean nmap;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final String NFT_TABLE = "milterwatch_bench";

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        if (rounds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds: '" + rounds + "' is below 1");
        }
        if (serve) {
            return serve(out);
        }
        out.printf("machine: %d CPUs, max heap %d MB, java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
        final Scope loopbackOnly = Scope.parse("127.0.0.0/8", "none");
        try (LoopbackMilters milters = externalTargets == null ? new LoopbackMilters(listeners, addresses) : null) {
            final List<InetSocketAddress> targets = milters != null ? milters.addresses() : parseTargets(externalTargets);
            final int reactorCount = WorkerConfig.reactors(reactors);
            final EngineConfig config = EngineConfig.defaults(new ProbeTimeouts(connectTimeoutMs, 3000))
                    .withLimits(concurrency, concurrency, 1_000_000).withScope(loopbackOnly).withReactors(reactorCount)
                    .withTransport(transport);
            try (ProbeEngine engine = new ProbeEngine(config, "bench", Zone.INTERNAL)) {
                run(engine, targets, warmup);
                final double[] rates = new double[Math.max(1, rounds)];
                for (int round = 0; round < rates.length; round++) {
                    final double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                    final long reactorCpu0 = threadCpu("probe-reactor-bench");
                    final long serverCpu0 = threadCpu("bench-milters");
                    final long start = System.nanoTime();
                    final Map<Outcome, Long> outcomes = run(engine, targets, probes);
                    final double seconds = (System.nanoTime() - start) / 1e9;
                    final double reactorCpu = (threadCpu("probe-reactor-bench") - reactorCpu0) / 1e9;
                    final double serverCpu = (threadCpu("bench-milters") - serverCpu0) / 1e9;
                    final long addressCount = targets.stream().map(InetSocketAddress::getAddress).distinct().count();
                    rates[round] = probes / seconds;
                    out.printf("handshakes%s: %d probes against %d listeners (%s, %d addresses) with %d reactor thread(s) on %s at"
                            + " concurrency %d in %.2f s = %.0f probes/s; outcomes %s; peak sockets %d%n",
                            rates.length > 1 ? " (round " + (round + 1) + ")" : "", probes, targets.size(),
                            milters != null ? "in this process" : "another process", addressCount, reactorCount, engine.transport(),
                            concurrency, seconds, rates[round], outcomes, engine.peakOpenSockets());
                    out.printf("  CPU (user+kernel) of the engine's reactor threads %.2f s = %.0f probes per reactor CPU-second (%.1f us"
                            + " each); of the loopback listeners' thread %s; load average before the round %.2f%n", reactorCpu,
                            probes / reactorCpu, reactorCpu * 1e6 / probes,
                            milters != null ? String.format("%.2f s", serverCpu) : "(another process)", loadBefore);
                    out.flush();
                }
                if (rates.length > 1) {
                    final double[] sorted = rates.clone();
                    java.util.Arrays.sort(sorted);
                    final double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
                    out.printf("handshakes over %d rounds: min %.0f, median %.0f, max %.0f probes/s%n", sorted.length, sorted[0], median,
                            sorted[sorted.length - 1]);
                }
            }
            if (filtered) {
                filtered(out, loopbackOnly);
            }
            if (nmap && milters != null) {
                nmap(out, milters.addresses());
            }
        }
        out.flush();
        return 0;
    }

    private int serve(final PrintWriter out) throws Exception {
        try (LoopbackMilters milters = new LoopbackMilters(listeners, addresses)) {
            out.println(milters.addresses().stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                    .collect(Collectors.joining(",")));
            out.flush();
            new java.util.concurrent.CountDownLatch(1).await();
        }
        return 0;
    }

    private List<InetSocketAddress> parseTargets(final List<String> texts) {
        final List<InetSocketAddress> out = new java.util.ArrayList<>();
        for (final String t : texts) {
            final int colon = t.lastIndexOf(':');
            try {
                final InetAddress a = InetAddress.getByName(t.substring(0, Math.max(0, colon)));
                if (colon < 1 || !a.isLoopbackAddress() || !(a instanceof java.net.Inet4Address)) {
                    throw new IllegalArgumentException();
                }
                out.add(new InetSocketAddress(a, Integer.parseInt(t.substring(colon + 1))));
            } catch (final IllegalArgumentException | java.net.UnknownHostException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--targets: '" + t
                        + "' is not 127.x.y.z:PORT (the benchmark probes loopback only)");
            }
        }
        return out;
    }

    /** CPU time of every live thread whose name starts with the prefix. */
    private static long threadCpu(final String prefix) {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    /**
     * Submits {@code n} probes, keeping between one and two times the engine's in-flight limit
     * submitted, as a worker does with its poll batches: the submitting thread is woken once per
     * {@code maxInFlight} results, not once per result (a wake-up per handshake costs the
     * reactors a futex call each, which is the harness's cost, not the engine's).
     */
    private static Map<Outcome, Long> run(final ProbeEngine engine, final List<InetSocketAddress> targets, final int n) {
        final int low = engine.config().maxInFlight();
        final int high = 2 * low;
        final AtomicInteger outstanding = new AtomicInteger();
        final Thread submitter = Thread.currentThread();
        final Map<Outcome, AtomicLong> counts = new EnumMap<>(Outcome.class);
        for (final Outcome o : Outcome.values()) {
            counts.put(o, new AtomicLong());
        }
        for (int i = 0; i < n; i++) {
            while (outstanding.get() >= high) {
                LockSupport.park(outstanding);
            }
            outstanding.incrementAndGet();
            engine.probe(targets.get(i % targets.size())).thenAccept(o -> {
                counts.get(o.outcome()).incrementAndGet();
                final int left = outstanding.decrementAndGet();
                if (left == low || left == 0) {
                    LockSupport.unpark(submitter);
                }
            });
        }
        while (outstanding.get() > 0) {
            LockSupport.parkNanos(outstanding, 10_000_000L);
        }
        return counts.entrySet().stream().filter(e -> e.getValue().get() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(), (a, b) -> a, () -> new EnumMap<>(Outcome.class)));
    }

    private void filtered(final PrintWriter out, final Scope scope) throws Exception {
        final int port = 8891;
        final String rules = "table inet " + NFT_TABLE + " {\n chain out {\n  type filter hook output priority 0; policy accept;\n"
                + "  ip daddr 127.77.0.0/16 tcp dport " + port + " drop\n }\n}\n";
        if (exec(rules, "nft", "-f", "-") != 0) {
            out.println("filtered: skipped, cannot add the nftables table (needs root and nft)");
            return;
        }
        try {
            final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            final long heapBefore = memory.getHeapMemoryUsage().getUsed();
            final EngineConfig config = EngineConfig.defaults(new ProbeTimeouts(connectTimeoutMs, 3000))
                    .withLimits(filteredCount, 1, 1_000_000).withScope(scope).withTransport(transport);
            try (ProbeEngine engine = new ProbeEngine(config, "bench-filtered", Zone.INTERNAL)) {
                final CompletableFuture<?>[] all = new CompletableFuture<?>[filteredCount];
                final AtomicLong filteredOutcomes = new AtomicLong();
                final long start = System.nanoTime();
                for (int i = 0; i < filteredCount; i++) {
                    final InetAddress a = InetAddress.getByAddress(new byte[] {127, 77, (byte) (i / 250), (byte) (1 + i % 250)});
                    all[i] = engine.probe(new InetSocketAddress(a, port)).thenAccept((ProbeOutcome o) -> {
                        if (o.outcome() == Outcome.FILTERED) {
                            filteredOutcomes.incrementAndGet();
                        }
                    });
                }
                final long submitted = System.nanoTime();
                while (engine.inFlight() + engine.queued() > 0 && engine.inFlight() < filteredCount) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
                final int inFlight = engine.inFlight();
                System.gc();
                final long heapInFlight = memory.getHeapMemoryUsage().getUsed();
                CompletableFuture.allOf(all).join();
                final double seconds = (System.nanoTime() - start) / 1e9;
                out.printf("filtered: %d targets (%d FILTERED) resolved in %.2f s with connect timeout %d ms (submitted in %.0f ms);"
                        + " heap used %d MB before, %d MB with %d in flight (after GC), peak sockets %d%n", filteredCount,
                        filteredOutcomes.get(), seconds, connectTimeoutMs, (submitted - start) / 1e6, heapBefore >> 20,
                        heapInFlight >> 20, inFlight, engine.peakOpenSockets());
            }
        } finally {
            exec(null, "nft", "delete", "table", "inet", NFT_TABLE);
        }
    }

    private static void nmap(final PrintWriter out, final List<InetSocketAddress> listeners) throws Exception {
        final String list = listeners.stream().map(a -> String.valueOf(a.getPort())).distinct().collect(Collectors.joining(","));
        final List<String> hosts = listeners.stream().map(a -> a.getAddress().getHostAddress()).distinct().toList();
        final List<Integer> ports = listeners.stream().map(InetSocketAddress::getPort).toList();
        for (final String scan : List.of("-sT", "-sV")) {
            final long start = System.nanoTime();
            final List<String> command = new java.util.ArrayList<>(List.of("nmap", scan, "-Pn", "-n", "-p", list));
            command.addAll(hosts);
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final String named = text.lines().filter(l -> l.matches("\\d+/tcp +open.*")).map(l -> l.replaceAll("\\s+", " "))
                    .collect(Collectors.groupingBy(l -> l.replaceFirst("^\\d+/tcp ", ""), Collectors.counting())).toString();
            out.printf("nmap %s on %d ports: %.2f s; ports reported as %s%n", scan, ports.size(), seconds, named);
        }
    }

    private static int exec(final String stdin, final String... command) throws Exception {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
