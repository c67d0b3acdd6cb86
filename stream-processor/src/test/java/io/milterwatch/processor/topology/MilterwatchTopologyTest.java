package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.Results;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MilterwatchTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String REGENERATE = "regenerate it with: java -jar stream-processor/target/milterwatch-processor.jar "
            + StreamsApp.DESCRIBE + " > stream-processor/topology.txt";
    private final Topics topics = Topics.defaults();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, Target> targets;
    private TestInputTopic<String, ProbeResult> results;
    private TestInputTopic<byte[], byte[]> rawResults;
    private TestInputTopic<String, FirewallEvent> firewall;
    private TestOutputTopic<String, ProbeRequest> requests;
    private TestOutputTopic<String, ExposureState> states;
    private TestOutputTopic<String, Alert> exposureAlerts;
    private TestOutputTopic<String, Alert> regressionAlerts;
    private TestOutputTopic<byte[], byte[]> dlq;
    private final List<ProducerRecord<byte[], byte[]>> storeDeadLetters = new ArrayList<>();
    private StoreDeadLetters storeDeadLetterSink;

    @BeforeEach
    void setUp() {
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir);
        storeDeadLetterSink = StoreDeadLetters.inMemory(topics.dlq(), storeDeadLetters, new SimpleMeterRegistry());
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, ProcessorMetrics.unread(), storeDeadLetterSink),
                StreamsApp.properties(config), T0);
        targets = driver.createInputTopic(topics.targets(), Serdes.String().serializer(), Records.TARGET.serializer());
        results = driver.createInputTopic(topics.probeResults(), Serdes.String().serializer(), Records.PROBE_RESULT.serializer());
        rawResults = driver.createInputTopic(topics.probeResults(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        firewall = driver.createInputTopic(topics.firewallEvents(), Serdes.String().serializer(), Records.FIREWALL_EVENT.serializer());
        requests = driver.createOutputTopic(topics.probeRequests(), Serdes.String().deserializer(), Records.PROBE_REQUEST.deserializer());
        states = driver.createOutputTopic(topics.exposureState(), Serdes.String().deserializer(), Records.EXPOSURE_STATE.deserializer());
        exposureAlerts = driver.createOutputTopic(topics.alertsExposure(), Serdes.String().deserializer(), Records.ALERT.deserializer());
        regressionAlerts = driver.createOutputTopic(topics.alertsRegression(), Serdes.String().deserializer(), Records.ALERT.deserializer());
        dlq = driver.createOutputTopic(topics.dlq(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private static Target target(final String host, final int port, final int interval) {
        return Target.newBuilder().setId(host + ":" + port).setHost(host).setPorts(List.of(port)).setIntervalSeconds(interval).build();
    }

    @Test
    void shouldRequestAProbeAtOnceWhenATargetIsRegistered() {
        // when
        targets.pipeInput("mx.example.test:8891", target("mx.example.test", 8891, 60), T0);
        // then
        final TestRecord<String, ProbeRequest> r = requests.readRecord();
        assertThat(r.key()).isEqualTo("mx.example.test:8891");
        assertThat(r.value().getReason()).isEqualTo(ProbeReason.NEW);
        assertThat(r.value().getHost()).isEqualTo("mx.example.test");
        assertThat(r.value().getPorts()).containsExactly(8891);
        assertThat(r.value().getAllowedZones()).containsExactly(Zone.INTERNAL);
        assertThat(r.value().getDeadlineMs()).isEqualTo(T0.toEpochMilli() + 60_000);
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    void shouldNotRequestAgainWhenTheSameTargetIsRepublished() {
        targets.pipeInput("mx.example.test:8891", target("mx.example.test", 8891, 60), T0);
        targets.pipeInput("mx.example.test:8891", target("mx.example.test", 8891, 60), T0);
        assertThat(requests.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldReprobeOnScheduleAndStopAfterATombstone() {
        // given
        targets.pipeInput("mx.example.test:8891", target("mx.example.test", 8891, 60), T0);
        requests.readRecord();
        // when: the interval plus its maximum jitter passes
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(requests.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(37));
        // then
        assertThat(requests.readValue().getReason()).isEqualTo(ProbeReason.SCHEDULED);
        // when: the target is removed
        targets.pipeInput("mx.example.test:8891", (Target) null, T0.plusSeconds(70));
        driver.advanceWallClockTime(Duration.ofSeconds(200));
        // then
        assertThat(requests.isEmpty()).isTrue();
        final KeyValueStore<String, Target> registry = driver.getKeyValueStore(MilterwatchTopology.REGISTRY_STORE);
        assertThat(registry.get("mx.example.test:8891")).isNull();
    }

    @Test
    void shouldSendAnInvalidTargetToTheDlqWithItsReason() {
        // when
        targets.pipeInput("mx:0", Target.newBuilder().setId("mx:0").setHost("mx").setPorts(List.of(0)).build(), T0);
        // then
        assertThat(requests.isEmpty()).isTrue();
        final TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("mx:0");
        assertThat(Records.TARGET.decode("t", dead.value()).getHost()).isEqualTo("mx");
        assertThat(Dlq.header(dead.headers(), Dlq.REASON)).isEqualTo("port 0 of target 'mx:0' is outside 1..65535");
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_TOPIC)).isEqualTo(topics.targets());
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_OFFSET)).isEqualTo("0");
    }

    @Test
    void shouldKeepNoStateForClosedPortsOfASweepButFollowAPortThatAnsweredWhenSwept() {
        // given: a sweep finds 8891 closed and 8892 filtered (no state), and a milter on 8893
        final long t = T0.toEpochMilli();
        results.pipeInput("192.0.2.10:8891", swept(Results.of("inside", Zone.INTERNAL, Outcome.CLOSED, t), 8891), T0);
        results.pipeInput("192.0.2.10:8892", swept(Results.of("inside", Zone.INTERNAL, Outcome.FILTERED, t), 8892), T0);
        results.pipeInput("192.0.2.10:8893", swept(Results.of("inside", Zone.INTERNAL, Outcome.MILTER, t), 8893), T0);
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        // then: only the port that answered has a state
        assertThat(store.get("192.0.2.10:8891")).isNull();
        assertThat(store.get("192.0.2.10:8892")).isNull();
        assertThat(store.get("192.0.2.10:8893").getState()).isEqualTo(Exposure.NOT_EXPOSED);
        // when: the next sweep finds the milter gone
        results.pipeInput("192.0.2.10:8893", swept(Results.of("inside", Zone.INTERNAL, Outcome.CLOSED, t + 60_000), 8893), T0.plusSeconds(60));
        // then: a port that used to answer keeps its state and sees the CLOSED result
        assertThat(store.get("192.0.2.10:8893").getVantages().get("inside").getOutcome()).isEqualTo(Outcome.CLOSED);
        // and: a CLOSED result of a plain (not swept) probe still creates a state, as before
        results.pipeInput("192.0.2.10:8891", Results.of("inside", Zone.INTERNAL, Outcome.CLOSED, t + 1), T0.plusSeconds(1));
        assertThat(store.get("192.0.2.10:8891")).isNotNull();
    }

    private static ProbeResult swept(final ProbeResult r, final int port) {
        return ProbeResult.newBuilder(r).setPort(port).setTargetId("192.0.2.10:8891-8893").setSweep(true)
                .setRequestId(r.getRequestId() + "-" + port).build();
    }

    @Test
    void shouldRaiseOneExposureAlertAndKeepStateWhenAMilterAnswersOutside() {
        // when
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli() + 1000), T0.plusSeconds(1));
        // then
        final List<Alert> alerts = exposureAlerts.readValuesToList();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).getToState()).isEqualTo(Exposure.EXPOSED);
        assertThat(alerts.get(0).getKey()).isEqualTo("192.0.2.10:8891");
        final List<ExposureState> published = states.readValuesToList();
        assertThat(published).hasSize(2).allSatisfy(s -> assertThat(s.getState()).isEqualTo(Exposure.EXPOSED));
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        assertThat(store.get("192.0.2.10:8891").getVantages()).containsKey("outside");
    }

    @Test
    void shouldCarryTheTargetsLabelsIntoItsRequestsStateAndAlertsWhenItHasLabels() {
        // given: a target added with --label owner=mail-team --label site=fra1
        final Target labelled = Target.newBuilder(target("mx.example.test", 8891, 60))
                .setLabels(Map.of("owner", "mail-team", "site", "fra1")).build();
        targets.pipeInput("mx.example.test:8891", labelled, T0);
        final ProbeRequest request = requests.readValue();
        assertThat(request.getLabels()).isEqualTo(labelled.getLabels());
        // when: a worker answers the request (it copies the request's labels, see ProbeEngine)
        final ProbeResult answer = ProbeResult.newBuilder(Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()))
                .setLabels(request.getLabels()).build();
        results.pipeInput("192.0.2.10:8891", answer, T0);
        // then
        final Alert alert = exposureAlerts.readValue();
        assertThat(alert.getToState()).isEqualTo(Exposure.EXPOSED);
        assertThat(alert.getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("owner", "mail-team", "site", "fra1"));
        assertThat(states.readValue().getLabels()).containsEntry("owner", "mail-team");
    }

    @Test
    void shouldSendAnUndecodableStoredStateToTheDlqAndStartTheEndpointAfreshWhenEvidenceArrives() {
        // given: the exposure store holds, for one ip:port, bytes no version can decode (as restored from its changelog)
        final byte[] garbage = {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x42};
        rawStore(MilterwatchTopology.EXPOSURE_STORE).put(Bytes.wrap("192.0.2.10:8891".getBytes(StandardCharsets.UTF_8)), garbage);
        // when: a result for it arrives
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        // then: the bytes went to the DLQ with the key and the reason, were counted, and the endpoint starts again
        assertThat(storeDeadLetters).singleElement().satisfies(r -> {
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("192.0.2.10:8891");
            assertThat(r.value()).isEqualTo(garbage);
            assertThat(Dlq.header(r.headers(), Dlq.STAGE)).isEqualTo(StoreDeadLetters.STAGE);
            assertThat(Dlq.header(r.headers(), Dlq.REASON)).contains("cannot decode ExposureState").contains("unknown schema");
        });
        assertThat(storeDeadLetterSink.count()).isEqualTo(1);
        assertThat(exposureAlerts.readValue().getToState()).isEqualTo(Exposure.EXPOSED);
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        assertThat(store.get("192.0.2.10:8891").getState()).isEqualTo(Exposure.EXPOSED);
    }

    @Test
    void shouldSendUndecodableStoredStatesToTheDlqAndRemoveThemWhenStalenessIsChecked() {
        // given: a good state, and an undecodable one
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        final byte[] garbage = {(byte) 0xC3, 0x01, 9, 9, 9, 9, 9, 9, 9, 9};
        rawStore(MilterwatchTopology.EXPOSURE_STORE).put(Bytes.wrap("192.0.2.11:8891".getBytes(StandardCharsets.UTF_8)), garbage);
        // when: the stale check walks the store
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        // then: the bad one is in the DLQ and gone from the store; the good one is untouched
        assertThat(storeDeadLetters).singleElement()
                .satisfies(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("192.0.2.11:8891"));
        assertThat(rawStore(MilterwatchTopology.EXPOSURE_STORE).get(Bytes.wrap("192.0.2.11:8891".getBytes(StandardCharsets.UTF_8)))).isNull();
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        assertThat(store.get("192.0.2.10:8891").getState()).isEqualTo(Exposure.EXPOSED);
        // and: walking the store again sends nothing more
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(storeDeadLetters).hasSize(1);
    }

    /** The bytes store under the metered (typed) and logging layers: where a restored changelog value lands. */
    @SuppressWarnings("unchecked")
    private KeyValueStore<Bytes, byte[]> rawStore(final String name) {
        StateStore store = driver.getKeyValueStore(name);
        while (store instanceof WrappedStateStore<?, ?, ?> wrapped) {
            store = wrapped.wrapped();
        }
        assertThat(store.getClass().getSimpleName()).as("innermost store").startsWith("RocksDB");
        return (KeyValueStore<Bytes, byte[]>) store;
    }

    @Test
    void shouldRouteRegressionsToTheirOwnTopic() {
        long t = T0.toEpochMilli();
        results.pipeInput("192.0.2.10:8891", Results.of("inside", Zone.INTERNAL, Outcome.MILTER, t));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.FILTERED, t += 1000));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000));
        assertThat(exposureAlerts.readValuesToList()).extracting(Alert::getToState).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED);
        assertThat(regressionAlerts.readValuesToList()).extracting(Alert::getToState).containsExactly(Exposure.REGRESSED);
    }

    @Test
    void shouldSkipUndecodableResultsAndKeepProcessing() {
        // TopologyTestDriver does not replay the handler's DLQ records; StreamsDeadLetterIT checks
        // them on a real broker, DeadLetterDeserializationHandlerTest checks their content.
        // when
        rawResults.pipeInput("192.0.2.10:8891".getBytes(StandardCharsets.UTF_8), "garbage".getBytes(StandardCharsets.UTF_8), T0);
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        // then
        assertThat(exposureAlerts.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldRegressAndReprobeWithinTheSameRecordWhenTheFirewallAllowsOutsideTrafficToARemediatedPort() {
        // given: exposed, then remediated (inside still sees the milter)
        long t = T0.toEpochMilli();
        results.pipeInput("192.0.2.10:8891", Results.of("inside", Zone.INTERNAL, Outcome.MILTER, t));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.FILTERED, t += 1000));
        firewall.pipeInput("192.0.2.10:8891", Results.firewall("203.0.113.7", FirewallAction.DROP, t + 500));
        assertThat(exposureAlerts.readValuesToList()).extracting(Alert::getToState).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED);
        // when: a late ALLOW line from before the fix, then a fresh one
        firewall.pipeInput("192.0.2.10:8891", Results.firewall("203.0.113.7", FirewallAction.ALLOW, t - 1500));
        assertThat(regressionAlerts.isEmpty()).isTrue();
        firewall.pipeInput("192.0.2.10:8891", Results.firewall("203.0.113.7", FirewallAction.ALLOW, t + 2000));
        // then: one regression alert carrying the line, and a FIREWALL_EVIDENCE probe of that ip:port
        final List<Alert> regressions = regressionAlerts.readValuesToList();
        assertThat(regressions).singleElement().satisfies(a -> {
            assertThat(a.getFromState()).isEqualTo(Exposure.REMEDIATED);
            assertThat(a.getFirewallLines()).singleElement().asString().contains("[UFW ALLOW]");
        });
        final ProbeRequest reprobe = requests.readValue();
        assertThat(reprobe.getReason()).isEqualTo(ProbeReason.FIREWALL_EVIDENCE);
        assertThat(reprobe.getHost()).isEqualTo("192.0.2.10");
        assertThat(reprobe.getPorts()).containsExactly(8891);
        assertThat(reprobe.getTargetId()).isEqualTo("mx.example.test:8891");
        final ExposureState state = driver.<String, ExposureState>getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE).get("192.0.2.10:8891");
        assertThat(state.getBlockedFromDisallowed()).isEqualTo(1);
        assertThat(state.getAllowedFromDisallowed()).isEqualTo(2);
    }

    @Test
    void shouldDropFirewallEventsForUnwatchedEndpointsWithoutOutput() {
        firewall.pipeInput("198.51.100.1:22", Results.firewall("203.0.113.7", FirewallAction.ALLOW, T0.toEpochMilli()));
        assertThat(states.isEmpty()).isTrue();
        assertThat(requests.isEmpty()).isTrue();
        assertThat(driver.<String, ExposureState>getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE).get("198.51.100.1:22")).isNull();
    }

    @Test
    void shouldMarkStaleOnceWhenTheVantageStopsReporting() {
        // given: the default policy makes a state stale after 30 minutes without external results
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli()), T0);
        exposureAlerts.readValuesToList();
        // when
        driver.advanceWallClockTime(Duration.ofMinutes(20));
        assertThat(exposureAlerts.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMinutes(11));
        driver.advanceWallClockTime(Duration.ofMinutes(30));
        // then
        assertThat(exposureAlerts.readValuesToList()).singleElement().satisfies(a -> {
            assertThat(a.getToState()).isEqualTo(Exposure.STALE);
            assertThat(a.getFromState()).isEqualTo(Exposure.EXPOSED);
        });
    }

    @Test
    void shouldNotRepeatAnAlertWhenAProbeResultIsDuplicated() {
        final ProbeResult result = Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli());
        results.pipeInput("192.0.2.10:8891", result, T0);
        results.pipeInput("192.0.2.10:8891", result, T0);
        assertThat(exposureAlerts.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldCountARedeliveredResultWithoutApplyingItWhenNewerEvidenceCameInBetween() {
        // given: exposed, then remediated; the outside worker died after writing the MILTER result of
        // request b and before committing, so another member of its group probes b again later
        long t = T0.toEpochMilli();
        results.pipeInput("192.0.2.10:8891", Results.of("inside", Zone.INTERNAL, Outcome.MILTER, t), Instant.ofEpochMilli(t));
        final ProbeResult b = Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, t += 1000);
        results.pipeInput("192.0.2.10:8891", b, Instant.ofEpochMilli(t));
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.FILTERED, t += 1000), Instant.ofEpochMilli(t));
        assertThat(exposureAlerts.readValuesToList()).extracting(Alert::getToState).containsExactly(Exposure.EXPOSED, Exposure.REMEDIATED);
        states.readValuesToList();
        // when: b is redelivered (a new probe, same request id, vantage and ip:port)
        results.pipeInput("192.0.2.10:8891", ProbeResult.newBuilder(b).setProbedAtMs(t += 1000).build(), Instant.ofEpochMilli(t));
        // then: counted, not applied: no regression, the remediated state and its evidence stand
        assertThat(regressionAlerts.isEmpty()).isTrue();
        assertThat(exposureAlerts.isEmpty()).isTrue();
        final ExposureState state = states.readValuesToList().get(0);
        assertThat(state.getState()).isEqualTo(Exposure.REMEDIATED);
        assertThat(state.getDistinctResults()).isEqualTo(3);
        assertThat(state.getDuplicateResults()).isEqualTo(1);
        assertThat(state.getVantages().get("outside").getOutcome()).isEqualTo(Outcome.FILTERED);
        assertThat(driver.<String, ExposureState>getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE).get("192.0.2.10:8891"))
                .isEqualTo(state);
    }

    @Test
    void shouldApplyARequestOncePerVantageAndPerEndpointWhenItsIdRepeats() {
        // given: one request, answered by two vantages, for two ports of the same address
        final ProbeResult inside = Results.of("inside", Zone.INTERNAL, Outcome.MILTER, T0.toEpochMilli());
        final ProbeResult outside = ProbeResult.newBuilder(inside).setVantage("outside").setZone(Zone.EXTERNAL).build();
        final ProbeResult otherPort = ProbeResult.newBuilder(inside).setPort(8893).build();
        // when
        results.pipeInput("192.0.2.10:8891", inside, T0);
        results.pipeInput("192.0.2.10:8891", outside, T0);
        results.pipeInput("192.0.2.10:8893", otherPort, T0);
        results.pipeInput("192.0.2.10:8891", outside, T0.plusSeconds(5));
        // then: three results applied, the repeat from the outside counted
        final KeyValueStore<String, ExposureState> store = driver.getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE);
        assertThat(store.get("192.0.2.10:8891").getDistinctResults()).isEqualTo(2);
        assertThat(store.get("192.0.2.10:8891").getDuplicateResults()).isEqualTo(1);
        assertThat(store.get("192.0.2.10:8891").getVantages()).containsOnlyKeys("inside", "outside");
        assertThat(store.get("192.0.2.10:8893").getDistinctResults()).isEqualTo(1);
        assertThat(store.get("192.0.2.10:8893").getDuplicateResults()).isZero();
        assertThat(exposureAlerts.readValuesToList()).extracting(Alert::getToState).containsExactly(Exposure.EXPOSED);
    }

    @Test
    void shouldForgetARequestIdWhenTheRetentionHasPassed() {
        // given: the default retention is one hour of record time
        final ProbeResult early = Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli());
        results.pipeInput("192.0.2.10:8891", early, T0);
        // when: stream time moves two hours on, and the early result comes again
        results.pipeInput("192.0.2.10:8891", Results.of("outside", Zone.EXTERNAL, Outcome.MILTER, T0.toEpochMilli() + 7_200_000),
                T0.plus(Duration.ofHours(2)));
        final List<String> remembered = new java.util.ArrayList<>();
        try (var all = driver.<String, Long>getWindowStore(MilterwatchTopology.DEDUPE_STORE).all()) {
            all.forEachRemaining(kv -> remembered.add(kv.key.key()));
        }
        results.pipeInput("192.0.2.10:8891", early, T0.plus(Duration.ofHours(2)));
        // then: its id was dropped with its segment (the store stays bounded), so it counts as new
        assertThat(remembered).singleElement().asString().endsWith("req-" + (T0.toEpochMilli() + 7_200_000));
        final ExposureState state = driver.<String, ExposureState>getKeyValueStore(MilterwatchTopology.EXPOSURE_STORE).get("192.0.2.10:8891");
        assertThat(state.getDistinctResults()).isEqualTo(3);
        assertThat(state.getDuplicateResults()).isZero();
    }

    @Test
    void shouldMatchTheCommittedTopologyDescription() throws Exception {
        // The description is committed so that a renamed store, topic or operator is a visible change.
        final Path committed = Path.of("topology.txt");
        assertThat(committed).as("stream-processor/topology.txt is missing; " + REGENERATE).exists();
        assertThat(StreamsApp.describe()).as("topology drifted from stream-processor/topology.txt; review the change, then " + REGENERATE)
                .isEqualTo(Files.readString(committed));
    }
}
