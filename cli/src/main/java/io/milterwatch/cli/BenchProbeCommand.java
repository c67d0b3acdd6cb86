package io.milterwatch.cli;

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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import io.milterwatch.worker.probe.EngineConfig;
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
final class BenchProbeCommand implements Callable<Integer> {

    @Option(names = "--listeners", defaultValue = "16", description = "Loopback milter listeners (ports), default ${DEFAULT-VALUE}")
    int listeners;

    @Option(names = "--concurrency", defaultValue = "512", description = "Handshakes in flight, default ${DEFAULT-VALUE}")
    int concurrency;

    @Option(names = "--probes", defaultValue = "200000", description = "Handshakes to run, default ${DEFAULT-VALUE}")
    int probes;

    @Option(names = "--warmup", defaultValue = "20000", description = "Handshakes before measuring, default ${DEFAULT-VALUE}")
    int warmup;

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
        out.printf("machine: %d CPUs, max heap %d MB, java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
        final Scope loopbackOnly = Scope.parse("127.0.0.0/8", "none");
        try (LoopbackMilters milters = new LoopbackMilters(listeners)) {
            final List<Integer> ports = milters.ports();
            final EngineConfig config = EngineConfig.defaults(new ProbeTimeouts(connectTimeoutMs, 3000))
                    .withLimits(concurrency, concurrency, 1_000_000).withScope(loopbackOnly);
            try (ProbeEngine engine = new ProbeEngine(config, "bench", Zone.INTERNAL)) {
                run(engine, ports, warmup);
                final long reactorCpu0 = threadCpu("probe-reactor-bench");
                final long serverCpu0 = threadCpu("bench-milters");
                final long start = System.nanoTime();
                final Map<Outcome, Long> outcomes = run(engine, ports, probes);
                final double seconds = (System.nanoTime() - start) / 1e9;
                final double reactorCpu = (threadCpu("probe-reactor-bench") - reactorCpu0) / 1e9;
                final double serverCpu = (threadCpu("bench-milters") - serverCpu0) / 1e9;
                out.printf("handshakes: %d probes against %d listeners at concurrency %d in %.2f s = %.0f probes/s; outcomes %s;"
                        + " peak sockets %d%n", probes, listeners, concurrency, seconds, probes / seconds, outcomes, engine.peakOpenSockets());
                out.printf("  CPU (user+kernel) of the engine's reactor thread %.2f s = %.0f probes per reactor CPU-second;"
                        + " of the loopback listeners' thread %.2f s; load average before the run %.2f%n", reactorCpu, probes / reactorCpu,
                        serverCpu, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
            if (filtered) {
                filtered(out, loopbackOnly);
            }
            if (nmap) {
                nmap(out, ports);
            }
        }
        out.flush();
        return 0;
    }

    private static long threadCpu(final String name) {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return threads.getThreadCpuTime(t.getId());
            }
        }
        return 0;
    }

    private static Map<Outcome, Long> run(final ProbeEngine engine, final List<Integer> ports, final int n)
            throws InterruptedException, java.net.UnknownHostException {
        final Semaphore window = new Semaphore(engine.config().maxInFlight() * 2);
        final Map<Outcome, AtomicLong> counts = new EnumMap<>(Outcome.class);
        for (final Outcome o : Outcome.values()) {
            counts.put(o, new AtomicLong());
        }
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < n; i++) {
            window.acquire();
            engine.probe(new InetSocketAddress(loopback, ports.get(i % ports.size()))).thenAccept(o -> {
                counts.get(o.outcome()).incrementAndGet();
                window.release();
            });
        }
        window.acquire(engine.config().maxInFlight() * 2);
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
                    .withLimits(filteredCount, 1, 1_000_000).withScope(scope);
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

    private static void nmap(final PrintWriter out, final List<Integer> ports) throws Exception {
        final String list = ports.stream().map(String::valueOf).collect(Collectors.joining(","));
        for (final String scan : List.of("-sT", "-sV")) {
            final long start = System.nanoTime();
            final Process p = new ProcessBuilder("nmap", scan, "-Pn", "-n", "-p", list, "127.0.0.1").redirectErrorStream(true).start();
            final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final String named = text.lines().filter(l -> l.matches("\\d+/tcp.*")).map(l -> l.replaceAll("\\s+", " "))
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
