package io.milterwatch.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.LineContext;
import io.milterwatch.processor.firewall.ParseResult;

/**
 * CPU nanoseconds per parsed line, from the thread's own CPU clock: a figure a busy shared machine
 * disturbs far less than throughput, which counts the time the thread waited for a core. Uses only
 * {@code FirewallParser.parse}, so the same class runs against another build of the parser (an
 * A/B on one machine at one time: put the other build's jar after this one on the class path).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.milterwatch.benchmarks.FirewallParseCpuTime FILE [ROUNDS] [LINES_PER_ROUND]}
 * prints each round and the median; {@code format:NAME} instead of a file takes the lines of that parameter of
 * {@link FirewallParseBenchmark} (this class and that one from this build, the parser from whichever jar follows them
 * on the class path: {@code bench/parse-side-by-side} does so).
 */
public final class FirewallParseCpuTime {

    private FirewallParseCpuTime() {
    }

    /** Something of the result that depends on the parse, cheap to compute, so that the work cannot be left out. */
    private static long use(final ParseResult r) {
        return r.status().ordinal() + (r.event() == null ? r.reason().length() : r.event().getTimestampMs());
    }

    public static void main(final String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: FirewallParseCpuTime FILE|format:NAME [ROUNDS] [LINES_PER_ROUND]");
            System.exit(2);
        }
        final List<String> lines = args[0].startsWith("format:") ? FirewallParseBenchmark.lines(args[0].substring(7))
                : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        if (lines == null) {
            System.err.println("no benchmark parameter " + args[0].substring(7));
            System.exit(2);
        }
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        final int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        final FirewallParser parser = new FirewallParser();
        final LineContext context = new LineContext(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli(), "bench", null);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final String[] input = lines.toArray(new String[0]);
        long sink = 0;
        for (int i = 0; i < perRound; i++) {
            sink += use(parser.parse(input[i % input.length], context)); // warm-up
        }
        final double[] nsPerLine = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            final long cpu0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < perRound; i++) {
                final ParseResult result = parser.parse(input[i % input.length], context);
                sink += use(result);
            }
            nsPerLine[r] = (threads.getCurrentThreadCpuTime() - cpu0) / (double) perRound;
            System.out.printf("round %d: %.0f CPU ns/line%n", r + 1, nsPerLine[r]);
        }
        Arrays.sort(nsPerLine);
        System.out.printf("median %.0f CPU ns/line = %.0f lines per CPU-second (%d lines of %s, %d rounds of %d; sink %d)%n",
                nsPerLine[rounds / 2], 1e9 / nsPerLine[rounds / 2], input.length, args[0], rounds, perRound, sink);
    }
}
