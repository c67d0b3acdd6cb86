package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.logic.Results;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.PrometheusText;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the topology counts: every line by format and outcome, every alert by kind, every endpoint by state. */
class TopologyMetricsTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String BLOCK = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=60 "
            + "TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";
    private static final String ASA_DENY = "<164>Mar 05 2024 14:22:11 asa-1 : %ASA-4-106023: Deny tcp src outside:203.0.113.7/51515 "
            + "dst inside:192.0.2.25/8891 by access-group \"outside_in\" [0x0, 0x0]";
    private static final String ASA_TEARDOWN = "%ASA-6-305012: Teardown dynamic TCP translation from inside:192.0.2.25/8891 to "
            + "outside:203.0.113.25/8891 duration 0:00:30";

    private final Topics topics = Topics.defaults();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, ProbeResult> results;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, Alert> exposureAlerts;
    private TestOutputTopic<String, Alert> regressionAlerts;

    @BeforeEach
    void setUp() {
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir);
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, new ProcessorMetrics(registry)),
                StreamsApp.properties(config), T0);
        results = driver.createInputTopic(topics.probeResults(), Serdes.String().serializer(), Records.PROBE_RESULT.serializer());
        raw = driver.createInputTopic(topics.firewallRaw(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        exposureAlerts = driver.createOutputTopic(topics.alertsExposure(), Serdes.String().deserializer(), Records.ALERT.deserializer());
        regressionAlerts = driver.createOutputTopic(topics.alertsRegression(), Serdes.String().deserializer(), Records.ALERT.deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldCountEveryFirewallLineUnderItsFormatAndOutcome() {
        // when
        for (final String line : List.of(BLOCK, BLOCK, BLOCK.substring(0, BLOCK.indexOf(" SRC=")), ASA_DENY, ASA_TEARDOWN,
                "Nov 28 09:59:02 mail sshd[1]: Accepted key", "hello, world")) {
            raw.pipeInput("fw1".getBytes(), line.getBytes(), T0);
        }
        // then
        final PrometheusText scrape = PrometheusText.of(registry.scrape());
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "netfilter", "status", "EVENT")).isEqualTo(2.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "netfilter", "status", "INVALID")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "cisco-asa", "status", "EVENT")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "cisco-asa", "status", "SKIPPED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "unknown")).isEqualTo(2.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total")).isEqualTo(7.0);
    }

    @Test
    void shouldCountEveryAlertByKindAndEveryEndpointByStateAsTheStoreHoldsThem() {
        // when: one endpoint exposed, remediated, regressed; one exposed; one never exposed; then all go stale
        long t = T0.toEpochMilli();
        results.pipeInput("192.0.2.10:8891", Results.of("inside", Zone.INTERNAL, Outcome.MILTER, t), t);
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000), t);
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.FILTERED, t += 1000), t);
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000), t);
        results.pipeInput("192.0.2.11:8891", at("192.0.2.11", Outcome.MILTER, t += 1000), t);
        results.pipeInput("192.0.2.12:8891", at("192.0.2.12", Outcome.CLOSED, t += 1000), t);
        // then
        final List<Alert> before = emitted();
        assertCountsMatchTopicsAndStore(before);
        // when: no result arrives for longer than processor.stale.after.ms
        driver.advanceWallClockTime(Duration.ofMinutes(31));
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        final List<Alert> all = new ArrayList<>(before);
        all.addAll(emitted());
        // then
        assertThat(all).extracting(Alert::getToState).contains(Exposure.STALE);
        assertCountsMatchTopicsAndStore(all);
    }

    private List<Alert> emitted() {
        final List<Alert> alerts = new ArrayList<>(exposureAlerts.readValuesToList());
        alerts.addAll(regressionAlerts.readValuesToList());
        return alerts;
    }

    private void assertCountsMatchTopicsAndStore(final List<Alert> alerts) {
        final PrometheusText scrape = PrometheusText.of(registry.scrape());
        final Map<Exposure, Integer> byKind = new EnumMap<>(Exposure.class);
        alerts.forEach(a -> byKind.merge(a.getToState(), 1, Integer::sum));
        assertThat(byKind).containsKeys(Exposure.EXPOSED, Exposure.REMEDIATED, Exposure.REGRESSED);
        final Map<Exposure, Integer> byState = new EnumMap<>(Exposure.class);
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        try (KeyValueIterator<String, ExposureState> it = store.all()) {
            it.forEachRemaining((KeyValue<String, ExposureState> kv) -> byState.merge(kv.value.getState(), 1, Integer::sum));
        }
        assertThat(byState.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
        for (final Exposure e : Exposure.values()) {
            assertThat(scrape.sum("milterwatch_alerts_total", "kind", e.name())).as("alerts " + e).isEqualTo(byKind.getOrDefault(e, 0).doubleValue());
            assertThat(scrape.sum("milterwatch_endpoints", "state", e.name())).as("endpoints " + e).isEqualTo(byState.getOrDefault(e, 0).doubleValue());
        }
    }

    private static ProbeResult at(final String ip, final Outcome outcome, final long t) {
        return ProbeResult.newBuilder(Results.of("outside", Zone.EXTERNAL, outcome, t)).setIp(ip).build();
    }
}
