package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code milterwatch probe} against real listeners on loopback, no Kafka. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProbeCommandTest {

    record Run(int exitCode, List<JsonNode> lines, String err) {
    }

    static Run probe(final String... args) throws Exception {
        final CommandLine cli = Main.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final String[] all = new String[args.length + 1];
        all[0] = "probe";
        System.arraycopy(args, 0, all, 1, args.length);
        final int code = cli.execute(all);
        final List<JsonNode> lines = new ArrayList<>();
        for (final String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(RecordJson.mapper().readTree(line));
            }
        }
        return new Run(code, lines, err.toString());
    }

    @Test
    void shouldPrintOneJsonObjectPerProbedAddressWhenTargetsAreGiven() throws Exception {
        try (MilterEmulator milter = MilterEmulator.start(Behaviour.LIBMILTER_V6);
             MilterEmulator smtp = MilterEmulator.start(Behaviour.SMTP)) {
            final int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            // when
            final Run run = probe("--reply-timeout-ms", "700", milter.hostPort(), smtp.hostPort(), "127.0.0.1:" + closed);
            // then
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.lines()).hasSize(3);
            final JsonNode m = run.lines().get(0);
            assertThat(m.get("target").asText()).isEqualTo(milter.hostPort());
            assertThat(m.get("ip").asText()).isEqualTo("127.0.0.1");
            assertThat(m.get("port").asInt()).isEqualTo(milter.port());
            assertThat(m.get("outcome").asText()).isEqualTo("MILTER");
            assertThat(m.get("milter").get("version").asInt()).isEqualTo(6);
            assertThat(m.get("milter").get("actions").asLong()).isEqualTo(0x1F);
            assertThat(m.get("milter").get("protocol").asLong()).isEqualTo(0x1F007F);
            assertThat(m.get("milter").get("symbols").get("1").asText()).isEqualTo("j {daemon_name} {auth_type}");
            assertThat(m.get("product").asText()).isEqualTo("libmilter-based milter");
            assertThat(m.get("latencyMs").isNumber()).isTrue();
            assertThat(m.get("error").isNull()).isTrue();
            assertThat(run.lines().get(1).get("outcome").asText()).isEqualTo("OTHER_SERVICE");
            assertThat(run.lines().get(1).get("banner").asText()).startsWith("220 ");
            assertThat(run.lines().get(2).get("outcome").asText()).isEqualTo("CLOSED");
        }
    }

    @Test
    void shouldFindTheMilterAmongTheSweptPortsWhenGivenAPortRange() throws Exception {
        try (MilterEmulator milter = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            final int first = Math.max(1, milter.port() - 3);
            // when
            final Run run = probe("--reply-timeout-ms", "700", "127.0.0.1:" + first + "-" + (first + 6));
            // then: one line per port, in port order, the milter among them
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.lines()).extracting(l -> l.get("port").asInt())
                    .containsExactly(first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6);
            assertThat(run.lines()).filteredOn(l -> l.get("port").asInt() == milter.port()).singleElement()
                    .satisfies(l -> assertThat(l.get("outcome").asText()).isEqualTo("MILTER"));
        }
    }

    @Test
    void shouldRefuseBeforeProbingAnythingWhenTheWorkerWouldRefuseATarget() throws Exception {
        final Run run = probe("127.0.0.1:8891", "169.254.169.254:8891");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'169.254.169.254:8891': out of scope: 169.254.169.254 is in 169.254.0.0/16 (link-local or cloud metadata)");
        assertThat(run.lines()).isEmpty();
        final Run ambiguous = probe("2001:db8::1:8891");
        assertThat(ambiguous.exitCode()).isEqualTo(2);
        assertThat(ambiguous.err()).contains("ambiguous; write [2001:db8::1]:8891");
    }

    @Test
    void shouldExitWithStatus2NamingTheInputWhenATargetIsMalformed() throws Exception {
        final Run run = probe("mx:70000");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'mx:70000': port 70000 is outside 1..65535");
        assertThat(run.lines()).isEmpty();
    }
}
