package io.milterwatch.benchmarks;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.LineContext;
import io.milterwatch.processor.firewall.ParseResult;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What counting a firewall line in {@code milterwatch_firewall_lines_total} costs the parse step:
 * netfilter lines parsed alone, parsed and counted as the stream processor does, and counted alone,
 * one thread, against a Prometheus registry.
 * {@code java -jar benchmarks/target/benchmarks.jar FirewallCountBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FirewallCountBenchmark {

    private static final String[] LINES = {
        "Nov 28 09:59:01 mail kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                + "SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 "
                + "WINDOW=64240 RES=0x00 SYN URGP=0",
        "Nov 28 09:59:03 mail kernel: [12346.1] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                + "SRC=203.0.113.8 DST=192.0.2.26 LEN=76 TOS=0x00 PREC=0x00 TTL=54 ID=777 PROTO=UDP SPT=53 DPT=1981 LEN=56",
        "Nov 28 09:59:02 mail sshd[1]: Accepted publickey for root"};

    private FirewallParser parser;
    private ProcessorMetrics metrics;
    private LineContext context;
    private ParseResult[] parsed;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        parser = new FirewallParser();
        metrics = new ProcessorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        context = new LineContext(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli(), "bench", null);
        parsed = new ParseResult[LINES.length];
        for (int i = 0; i < LINES.length; i++) {
            parsed[i] = parser.parse(LINES[i], context);
        }
    }

    private int nextIndex() {
        final int i = next;
        next = i + 1 == LINES.length ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public ParseResult parse() {
        return parser.parse(LINES[nextIndex()], context);
    }

    @Benchmark
    public ParseResult parseAndCount() {
        final ParseResult r = parser.parse(LINES[nextIndex()], context);
        metrics.line(r.format(), r.status());
        return r;
    }

    @Benchmark
    public void countOnly() {
        final ParseResult r = parsed[nextIndex()];
        metrics.line(r.format(), r.status());
    }
}
