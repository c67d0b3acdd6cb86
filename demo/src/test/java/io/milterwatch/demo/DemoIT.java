package io.milterwatch.demo;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.cli.ExitCodes;
import io.milterwatch.cli.TopicReader;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code milterwatch demo} as a newcomer runs it: a JVM of its own, its output read line by line.
 * The alerts it prints must go EXPOSED, REMEDIATED, REGRESSED, in that order, for each of its
 * three milters. As root, the remediation is a real nftables rule and the firewall's kernel log
 * lines must reach the correlator; Ctrl-C (SIGINT) must stop it cleanly, remove the table and the
 * temporary data. Without root only the allow-list variant runs, which needs nothing special.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DemoIT {

    private static final Pattern ALERT = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+\\S+\\s+(\\S+)\\s+(\\S+)\\s+\\(was (\\S+)\\)");
    private static final String EOF = "(end of output)";

    private Process process;

    /** A demo left running by a failed test is stopped as a user would (its hook removes the table), killed only if that hangs. */
    @AfterEach
    void stopLeftovers() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void shouldWalkExposedRemediatedRegressedThroughARealFirewallAndStopCleanlyWhenInterrupted() throws Exception {
        final String noFirewall = DemoFirewall.unavailableReason();
        Prerequisites.require(noFirewall == null, "the firewall variant needs nftables and root: " + noFirewall);
        final String noKernelLog = KernelLogShipper.unavailableReason();
        Prerequisites.require(noKernelLog == null, "the firewall variant reads the kernel log: " + noKernelLog);

        // when
        final int http = freePort();
        final List<String> lines = start("demo", "--http-port", Integer.toString(http));
        awaitLine(lines, "done: EXPOSED -> REMEDIATED -> REGRESSED");

        // then: the printed alerts, in order, per milter
        final Map<String, List<Exposure>> printed = printedAlerts(lines);
        assertThat(printed).as(String.join("\n", lines)).hasSize(3);
        printed.forEach((key, states) -> assertThat(states).as(key).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("firewall log: REJECT 127.0.0.2:"))
                .anySatisfy(l -> assertThat(l).contains("firewall log: ACCEPT 127.0.0.2:"));
        assertThat(DemoFirewall.tableExists()).as("the demo's nftables table while it runs").isTrue();

        // and: on its broker, the remediation was decided by the outside vantage's refused probes, with the inside still answering,
        // and the firewall's lines were correlated: blocked and allowed connections from the outside, the lines kept as evidence
        final String bootstrap = value(lines, "Kafka:      (\\S+)");
        final Topics topics = Topics.withPrefix(DemoCommand.TOPIC_PREFIX);
        final List<Alert> alerts = new ArrayList<>();
        read(bootstrap, topics.alertsExposure()).forEach(r -> alerts.add(Records.ALERT.decode(r.topic(), r.value())));
        assertThat(alerts).filteredOn(a -> a.getToState() == Exposure.REMEDIATED).hasSize(3).allSatisfy(a -> {
            assertThat(a.getEvidence().getVantage()).isEqualTo("outside");
            assertThat(a.getEvidence().getOutcome()).isEqualTo(Outcome.CLOSED);
        });
        final Map<String, ExposureState> states = new LinkedHashMap<>();
        read(bootstrap, topics.exposureState()).forEach(r -> states.put(r.key(), Records.EXPOSURE_STATE.decode(r.topic(), r.value())));
        assertThat(states.keySet()).containsExactlyInAnyOrderElementsOf(printed.keySet());
        assertThat(states.values()).allSatisfy(s -> {
            assertThat(s.getState()).as(s.getKey()).isEqualTo(Exposure.REGRESSED);
            assertThat(s.getVantages().get("inside").getOutcome()).as(s.getKey()).isIn(Outcome.MILTER, Outcome.AXIMILTER);
            assertThat(s.getBlockedFromDisallowed()).as(s.getKey()).isPositive();
            assertThat(s.getAllowedFromDisallowed()).as(s.getKey()).isPositive();
            assertThat(s.getRecentFirewallLines()).as(s.getKey()).anySatisfy(l -> assertThat(l).contains("SRC=127.0.0.2").contains(" ACCEPT "));
        });
        // and: the query API answers where the demo said it would
        final HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                + "/api/state")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(200);
        assertThat(api.body()).contains("127.0.0.10:").contains("REGRESSED");
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("dashboard:  http://127.0.0.1:" + http + "/"));
        final Path data = Path.of(value(lines, "data in ([^,]+), deleted at exit"));
        assertThat(data).isDirectory();

        // when: Ctrl-C
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);

        // then: a clean stop, the table and the temporary data gone
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("stopped within 2 minutes").isTrue();
        awaitLine(lines, "stopped.");
        assertThat(process.exitValue()).as(String.join("\n", lines)).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(lines).contains("removed the nftables table inet " + DemoFirewall.TABLE);
        assertThat(DemoFirewall.tableExists()).isFalse();
        assertThat(data).doesNotExist();
    }

    @Test
    void shouldWalkExposedRemediatedRegressedWithTheMiltersOwnAllowListWhenThereIsNoFirewall() throws Exception {
        // when
        final List<String> lines = start("demo", "--no-firewall", "--exit-when-done", "--http-port", "0");
        assertThat(process.waitFor(480, TimeUnit.SECONDS)).as("finished within 8 minutes").isTrue();
        drained(lines);

        // then
        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        final Map<String, List<Exposure>> printed = printedAlerts(lines);
        assertThat(printed).as(String.join("\n", lines)).hasSize(3);
        printed.forEach((key, states) -> assertThat(states).as(key).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED));
        assertThat(lines).filteredOn(l -> ALERT.matcher(l).find() && l.contains(" REMEDIATED ")).hasSize(3)
                .allSatisfy(l -> assertThat(l).contains("saw open_silent"));
        assertThat(lines).noneSatisfy(l -> assertThat(l).contains("firewall log:"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("done: EXPOSED -> REMEDIATED -> REGRESSED for all 3 milters"));
        if (DemoFirewall.unavailableReason() == null) {
            assertThat(DemoFirewall.tableExists()).as("--no-firewall sets no rule").isFalse();
        }
    }

    // ---------------------------------------------------------------- helpers

    private List<String> start(final String... args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.milterwatch.schema", "-cp", System.getProperty("java.class.path"),
                DemoCommand.class.getName()));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (final IOException e) {
                lines.add("(reading the demo's output failed: " + e.getMessage() + ")");
            } finally {
                lines.add(EOF);
            }
        }, "demo-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private void awaitLine(final List<String> lines, final String text) {
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(500))
                .until(() -> lines.stream().anyMatch(l -> l.contains(text)) || lines.contains(EOF));
        assertThat(lines).as(String.join("\n", lines)).anySatisfy(l -> assertThat(l).contains(text));
    }

    private static void drained(final List<String> lines) {
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains(EOF));
    }

    /** The alerts the demo printed, per ip:port in the order printed; only the demo milters' endpoints are expected. */
    private static Map<String, List<Exposure>> printedAlerts(final List<String> lines) {
        final Map<String, List<Exposure>> printed = new LinkedHashMap<>();
        for (final String line : lines) {
            final Matcher m = ALERT.matcher(line);
            if (m.find()) {
                assertThat(m.group(2)).startsWith(DemoCommand.MAIL_HOST + ":");
                printed.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Exposure.valueOf(m.group(1)));
            }
        }
        return printed;
    }

    private static String value(final List<String> lines, final String regex) {
        final Pattern p = Pattern.compile(regex);
        for (final String line : lines) {
            final Matcher m = p.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no line matches " + regex + " in:\n" + String.join("\n", lines));
    }

    private static List<ConsumerRecord<String, byte[]>> read(final String bootstrap, final String topic) {
        final List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (TopicReader reader = new TopicReader(bootstrap, Map.of())) {
            reader.read(List.of(topic), false, () -> true, out::add);
        }
        return out;
    }
}
