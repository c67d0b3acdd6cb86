package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Real netfilter lines, made by the test: two network namespaces joined by a veth pair (10.250.x.x,
 * inside the namespaces only), nftables rules with ufw- and firewalld-style {@code log prefix ...
 * group N} in the server's namespace, Debian's ulogd2 there writing NFLOG packets with LOGEMU, and
 * TCP SYNs from the client namespace to milter ports. The captured lines must parse to the events
 * the rules describe. Needs root, nft, ip and ulogd: skipped with the reason otherwise (failed under CI=true).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetfilterNamespaceIT {

    private static final String PLUGINS = "/usr/lib/x86_64-linux-gnu/ulogd";
    private static final int GROUP = 7;

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    private final String client = "mwtest-" + suffix + "-c";
    private final String server = "mwtest-" + suffix + "-s";
    private final int subnet = ThreadLocalRandom.current().nextInt(256);
    private final String clientIp = "10.250." + subnet + ".1";
    private final String serverIp = "10.250." + subnet + ".2";
    private Path dir;
    private Path emu;
    private Process ulogd;
    private final List<String> created = new ArrayList<>();

    @BeforeAll
    void setUp() throws Exception {
        Prerequisites.require("0".equals(output("id", "-u").strip()), "needs root to create network namespaces (not root here)");
        for (final String tool : List.of("nft", "ip", "ulogd", "timeout", "bash")) {
            Prerequisites.require(onPath(tool), tool + " is not installed (packages nftables, iproute2, ulogd2)");
        }
        Prerequisites.require(Files.exists(Path.of(PLUGINS, "ulogd_inppkt_NFLOG.so")), "ulogd2 NFLOG plugin missing in " + PLUGINS);
        dir = Files.createTempDirectory("mwtest-ulogd");
        emu = dir.resolve("emu.log");

        run("ip", "netns", "add", client);
        created.add(client);
        run("ip", "netns", "add", server);
        created.add(server);
        run("ip", "-n", client, "link", "add", "mwc", "type", "veth", "peer", "name", "mws", "netns", server);
        run("ip", "-n", client, "addr", "add", clientIp + "/30", "dev", "mwc");
        run("ip", "-n", server, "addr", "add", serverIp + "/30", "dev", "mws");
        for (final String[] ns : new String[][] {{client, "mwc"}, {server, "mws"}}) {
            run("ip", "-n", ns[0], "link", "set", "lo", "up");
            run("ip", "-n", ns[0], "link", "set", ns[1], "up");
        }
        final Path rules = dir.resolve("rules.nft");
        Files.writeString(rules, String.join("\n",
                "table inet mwtest {",
                "  chain input {",
                "    type filter hook input priority 0; policy accept;",
                "    tcp dport 8891 log prefix \"[UFW BLOCK] \" group " + GROUP + " drop",
                "    tcp dport 11332 log prefix \"filter_IN_public_REJECT: \" group " + GROUP + " reject with tcp reset",
                "    tcp dport 8893 log prefix \"[UFW AUDIT] \" group " + GROUP,
                "    tcp dport 8893 log prefix \"[UFW ALLOW] \" group " + GROUP + " accept",
                "  }",
                "}", ""));
        run("ip", "netns", "exec", server, "nft", "-f", rules.toString());

        final Path conf = dir.resolve("ulogd.conf");
        Files.writeString(conf, String.join("\n",
                "[global]",
                "logfile=\"" + dir.resolve("ulogd.log") + "\"",
                "loglevel=3",
                "plugin=\"" + PLUGINS + "/ulogd_inppkt_NFLOG.so\"",
                "plugin=\"" + PLUGINS + "/ulogd_raw2packet_BASE.so\"",
                "plugin=\"" + PLUGINS + "/ulogd_filter_IFINDEX.so\"",
                "plugin=\"" + PLUGINS + "/ulogd_filter_IP2STR.so\"",
                "plugin=\"" + PLUGINS + "/ulogd_filter_PRINTPKT.so\"",
                "plugin=\"" + PLUGINS + "/ulogd_output_LOGEMU.so\"",
                "stack=log1:NFLOG,base1:BASE,ifi1:IFINDEX,ip2str1:IP2STR,print1:PRINTPKT,emu1:LOGEMU",
                "[log1]",
                "group=" + GROUP,
                "[emu1]",
                "file=\"" + emu + "\"",
                "sync=1", ""));
        ulogd = new ProcessBuilder("ip", "netns", "exec", server, "ulogd", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("ulogd.out").toFile()).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(emu) || !ulogd.isAlive());
        assertThat(ulogd.isAlive()).as("ulogd started (see %s)", dir.resolve("ulogd.out")).isTrue();
    }

    @AfterAll
    void tearDown() throws Exception {
        if (ulogd != null) {
            ulogd.destroy();
            if (!ulogd.waitFor(5, TimeUnit.SECONDS)) {
                ulogd.destroyForcibly();
            }
        }
        for (final String ns : created) {
            run("ip", "netns", "del", ns);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void shouldParseTheLinesNetfilterWritesWhenSynsHitLoggedRules() throws Exception {
        // when: SYNs from the client namespace to three milter ports of the server namespace
        for (final int port : new int[] {8891, 11332, 8893}) {
            new ProcessBuilder("ip", "netns", "exec", client, "timeout", "3", "bash", "-c",
                    "exec 3<>/dev/tcp/" + serverIp + "/" + port).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            final String text = Files.readString(emu);
            return text.contains("DPT=8891 ") && text.contains("DPT=11332 ") && text.contains("[UFW ALLOW]");
        });
        // A line ulogd is still writing has no newline yet: only complete lines count.
        final String text = Files.readString(emu, StandardCharsets.UTF_8);
        final List<String> lines = text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();

        // then
        final FirewallParser parser = new FirewallParser();
        final List<FirewallEvent> events = new ArrayList<>();
        int audits = 0;
        for (final String line : lines) {
            final ParseResult r = parser.parse(line, LineContext.at(System.currentTimeMillis()));
            if (r.status() == ParseStatus.SKIPPED) {
                assertThat(line).contains("[UFW AUDIT]");
                audits++;
                continue;
            }
            assertThat(r.status()).as("%s: %s", line, r.reason()).isEqualTo(ParseStatus.EVENT);
            events.add(r.event());
        }
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getFormat()).isEqualTo("netfilter");
            assertThat(e.getSrcIp()).isEqualTo(clientIp);
            assertThat(e.getDstIp()).isEqualTo(serverIp);
            assertThat(e.getProtocol()).isEqualTo("tcp");
            assertThat(e.getDirection()).isEqualTo("IN");
            assertThat(e.getSrcPort()).isBetween(1024, 65535);
            assertThat(Math.abs(e.getTimestampMs() - System.currentTimeMillis())).isLessThan(Duration.ofMinutes(5).toMillis());
        });
        assertThat(events).filteredOn(e -> e.getDstPort() == 8891).isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.getAction()).isEqualTo(FirewallAction.DROP);
                    assertThat(e.getRule()).isEqualTo("[UFW BLOCK]");
                });
        assertThat(events).filteredOn(e -> e.getDstPort() == 11332).isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.getAction()).isEqualTo(FirewallAction.REJECT);
                    assertThat(e.getRule()).isEqualTo("filter_IN_public_REJECT");
                });
        // the AUDIT + ALLOW pair of each packet to 8893 counts once
        final List<FirewallEvent> allowed = events.stream().filter(e -> e.getDstPort() == 8893).toList();
        assertThat(allowed).isNotEmpty().allSatisfy(e -> assertThat(e.getAction()).isEqualTo(FirewallAction.ALLOW));
        assertThat(audits).isEqualTo(allowed.size());
        assertThat(events).extracting(FirewallEvent::getDstPort).containsOnly(8891, 11332, 8893);
    }

    private static boolean onPath(final String tool) {
        for (final String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String output(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static void run(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", String.join(" ", command)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out.strip().toLowerCase(Locale.ROOT)).isZero();
    }
}
