package io.milterwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * bench-estate at a small size, end to end: its own embedded broker, the processor and the worker
 * in JVMs of their own, 2,000 loopback targets (two real milter listeners among them). It must
 * run through and report every figure, each measured or with the reason it was not. The figures
 * themselves are not judged here: benchmarks are not tests.
 */
class BenchEstateIT {

    @Test
    @Timeout(600)
    void shouldReportEveryFigureWhenASmallEstateIsBenchmarked(@TempDir final Path dir) throws Exception {
        // given
        final Path json = dir.resolve("report.json");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = Milterwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        // when
        final int code = cli.execute("bench-estate", "--targets", "2000", "--listeners", "2", "--interval", "10", "--duration", "15",
                "--processor-heap", "384m", "--worker-heap", "256m", "--api-requests", "20", "--page-loads", "1",
                "--data-dir", dir.resolve("data").toString(), "--json", json.toString());

        // then
        final String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text).contains("import: 2,000 targets in ")
                .containsPattern("first full sweep: all 2,000 endpoints probed \\(a result other than ERROR\\) [0-9.]+ s after the import began")
                .containsPattern("probes: [0-9,]+ results/s over [0-9]+ s of steady state, [0-9,]+/s of them probed")
                .containsPattern("(?m)^scheduler: ")
                .containsPattern("cpu: processor [0-9.]+ % of a core, worker [0-9.]+ % of a core")
                .containsPattern("api /api/summary: (p50 [0-9.]+ ms, p99 [0-9.]+ ms|not measured: answers 404)")
                .containsPattern("api /api/state\\?limit=100: (p50 [0-9.]+ ms, p99 [0-9.]+ ms|not measured: answers 404)")
                .containsPattern("heap after GC: processor [0-9,]+ MB used of -Xmx384m \\(RSS [0-9,]+ MB\\); worker [0-9,]+ MB used of -Xmx256m")
                .containsPattern("disk: [0-9,]+ bytes of log segments per probe result .*per 1,000 endpoints per day: [0-9,]+ MB at the default 300 s interval")
                .containsPattern("disk now: broker log dir [0-9,.]+ MB, state stores [0-9,.]+ MB");
        if (Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            assertThat(text).containsPattern("dashboard: load 1: first contentful paint [0-9.]+ ms");
        } else {
            assertThat(text).contains("dashboard: not measured: needs chromium");
        }

        final JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.at("/import/targets").asInt()).isEqualTo(2000);
        assertThat(report.at("/sweep/reached").asBoolean()).isTrue();
        // the two real listeners answered the handshake, the silent addresses refused the connection
        assertThat(report.at("/sweep/outcomes/MILTER").asLong()).isPositive();
        assertThat(report.at("/sweep/outcomes/CLOSED").asLong()).isPositive();
        assertThat(report.at("/sweep/endpointsProbed").asInt()).isEqualTo(2000);
        assertThat(report.at("/steady/results").asLong()).isPositive();
        assertThat(report.at("/heap/processor/heapUsedAfterGcBytes").asLong()).isPositive();
        assertThat(report.at("/heap/worker/heapUsedAfterGcBytes").asLong()).isPositive();
        assertThat(report.at("/disk/bytesPerProbe").asLong()).isPositive();
        assertThat(report.at("/disk/stateStoreBytes").asLong()).isPositive();
    }
}
