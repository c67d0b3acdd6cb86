package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.testing.Prerequisites;
import io.milterwatch.serde.RecordJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * FILTERED and CLOSED as a firewall makes them: a network namespace created by the test, its own
 * loopback up, an nftables table in it that drops SYNs to one port and rejects another with ICMP
 * administratively-prohibited; {@code milterwatch probe} runs inside that namespace. No address
 * outside the namespace is touched; the namespace is deleted afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FilteredNamespaceIT {

    private static final int DROPPED = 18_701;
    private static final int PROHIBITED = 18_702;
    private static final int NOTHING = 18_703;

    private final String namespace = "mw-it-" + UUID.randomUUID().toString().substring(0, 8);
    private boolean created;

    @BeforeEach
    void createNamespace() throws Exception {
        Prerequisites.require("root".equals(System.getProperty("user.name")),
                "needs root to create a network namespace and nftables rules (running as " + System.getProperty("user.name") + ")");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "iproute2 ('ip') is not installed");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/sbin/nft")), "nftables ('nft') is not installed");
        final Result add = run(null, "ip", "netns", "add", namespace);
        Prerequisites.require(add.code == 0, "cannot create a network namespace here: " + add.out);
        created = true;
        assertThat(run(null, "ip", "-n", namespace, "link", "set", "lo", "up").code).isZero();
        final String rules = "table inet milterwatch_it {\n chain out {\n  type filter hook output priority 0; policy accept;\n"
                + "  tcp dport " + DROPPED + " drop\n"
                + "  tcp dport " + PROHIBITED + " reject with icmpx type admin-prohibited\n }\n}\n";
        final Result nft = run(rules, "ip", "netns", "exec", namespace, "nft", "-f", "-");
        assertThat(nft.code).as(nft.out).isZero();
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (created) {
            assertThat(run(null, "ip", "netns", "del", namespace).code).isZero();
        }
    }

    @ParameterizedTest(name = "worker.transport={0}")
    @ValueSource(strings = {"epoll", "nio"})
    void shouldReportFilteredForDroppedAndProhibitedPortsAndClosedForARefusedOneWhenAFirewallIsInTheWay(final String transport,
            @TempDir final Path dir) throws Exception {
        // given: the socket layer under test
        final Path config = Files.writeString(dir.resolve("worker.properties"), "worker.transport=" + transport + "\n");
        // when: the probe command runs inside the namespace
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Result probe = run(null, "ip", "netns", "exec", namespace, java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "probe", "--config", config.toString(), "--connect-timeout-ms", "1500", "--reply-timeout-ms", "500",
                "127.0.0.1:" + DROPPED, "127.0.0.1:" + PROHIBITED, "127.0.0.1:" + NOTHING, "[::1]:" + PROHIBITED);
        // then
        assertThat(probe.code).as(probe.out).isZero();
        final List<JsonNode> lines = new ArrayList<>();
        for (final String line : probe.out.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(RecordJson.mapper().readTree(line));
            }
        }
        assertThat(lines).as(probe.out).hasSize(4);
        assertThat(lines.get(0).get("outcome").asText()).isEqualTo("FILTERED");
        assertThat(lines.get(0).get("error").asText()).contains("no answer to the connect within 1500 ms");
        assertThat(lines.get(0).get("connectMs").isNull()).isTrue();
        assertThat(lines.get(1).get("outcome").asText()).isEqualTo("FILTERED");
        assertThat(lines.get(1).get("error").asText().toLowerCase(Locale.ROOT)).contains("no route to host");
        assertThat(lines.get(2).get("outcome").asText()).isEqualTo("CLOSED");
        // IPv6's administratively-prohibited answer reaches the socket as EACCES: a firewall, not a closed port
        assertThat(lines.get(3).get("outcome").asText()).as(lines.get(3).toString()).isEqualTo("FILTERED");
        assertThat(lines.get(3).get("error").asText()).contains("firewall");
        assertThat(probe.out).as("the engine ran on the transport asked for").contains("on " + transport + ",");
    }

    @ParameterizedTest(name = "worker.transport={0}")
    @ValueSource(strings = {"epoll", "nio"})
    void shouldReportClosedNotAnEchoingServiceWhenTheConnectionMeetsItselfOnLoopback(final String transport, @TempDir final Path dir)
            throws Exception {
        // given: the namespace's only local port is the port probed, so the kernel connects the socket to itself
        // (TCP simultaneous open), as it does now and then when a sweep of 127.0.0.1 crosses the ephemeral range
        final int only = 40_000;
        final Result range = run(null, "ip", "netns", "exec", namespace, "sysctl", "-w",
                "net.ipv4.ip_local_port_range=" + only + " " + only);
        assertThat(range.code).as(range.out).isZero();
        final Path config = Files.writeString(dir.resolve("worker.properties"), "worker.transport=" + transport + "\n");
        // when
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Result probe = run(null, "ip", "netns", "exec", namespace, java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "probe", "--config", config.toString(), "--reply-timeout-ms", "500", "127.0.0.1:" + only);
        // then: nothing listens there, and the probe says so instead of judging its own bytes echoed back
        assertThat(probe.code).as(probe.out).isZero();
        final List<JsonNode> lines = new ArrayList<>();
        for (final String line : probe.out.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(RecordJson.mapper().readTree(line));
            }
        }
        assertThat(lines).as(probe.out).singleElement().satisfies(r -> {
            assertThat(r.get("outcome").asText()).isEqualTo("CLOSED");
            assertThat(r.get("error").asText()).contains("met itself");
        });
    }

    private record Result(int code, String out) {
    }

    private static Result run(final String stdin, final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out + "\n(timed out)");
        }
        return new Result(p.exitValue(), out);
    }
}
