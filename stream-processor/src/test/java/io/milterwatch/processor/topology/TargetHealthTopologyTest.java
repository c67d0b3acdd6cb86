package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Target health: from probe results (by ip:port or by target id) to the health store, the failing index, the counts and target.health. */
class TargetHealthTopologyTest {

    private static final long T0 = Instant.parse("2026-12-02T10:00:00Z").toEpochMilli();
    private final Topics topics = Topics.defaults();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private ProcessorMetrics metrics;
    private TestInputTopic<String, Target> targets;
    private TestInputTopic<String, ProbeResult> results;
    private TestOutputTopic<String, TargetHealth> health;

    @BeforeEach
    void setUp() {
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir);
        final List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
        metrics = ProcessorMetrics.unread();
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config, metrics,
                StoreDeadLetters.inMemory(topics.dlq(), dead, new SimpleMeterRegistry())), StreamsApp.properties(config), Instant.ofEpochMilli(T0));
        targets = driver.createInputTopic(topics.targets(), Serdes.String().serializer(), Records.TARGET.serializer());
        results = driver.createInputTopic(topics.probeResults(), Serdes.String().serializer(), Records.PROBE_RESULT.serializer());
        health = driver.createOutputTopic(topics.targetHealth(), Serdes.String().deserializer(), Records.TARGET_HEALTH.deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void register(final String host, final int port) {
        targets.pipeInput(host + ":" + port, Target.newBuilder().setId(host + ":" + port).setHost(host).setPorts(List.of(port)).build(), T0);
    }

    /** A result as the worker publishes it: keyed by ip:port, or by the target id when it has no address. */
    private void result(final String targetId, final String host, final String ip, final Outcome outcome, final String error,
            final String request, final long at) {
        final ProbeResult r = ProbeResult.newBuilder().setRequestId(request).setTargetId(targetId).setHost(host).setIp(ip).setPort(2525)
                .setVantage("v1").setZone(Zone.INTERNAL).setOutcome(outcome).setError(error).setTotalMs(1).setProbedAtMs(at).build();
        results.pipeInput(ip.isEmpty() ? targetId : ip + ":2525", r, at);
    }

    private KeyValueStore<String, TargetHealth> store(final String name) {
        return driver.getKeyValueStore(name);
    }

    private Map<String, TargetHealth> published() {
        return health.readKeyValuesToMap();
    }

    @Test
    void shouldShowTheErrorWhenTheNameDoesNotResolve() {
        // given
        register("nx.example.invalid", 2525);
        // when
        result("nx.example.invalid:2525", "nx.example.invalid", "", Outcome.ERROR,
                "cannot resolve host 'nx.example.invalid': no A or AAAA record (or the resolver failed)", "r1", T0 + 1000);
        // then
        final TargetHealth h = store(MilterwatchTopology.TARGET_HEALTH_STORE).get("nx.example.invalid:2525");
        assertThat(h.getError()).startsWith("cannot resolve host 'nx.example.invalid'");
        assertThat(h.getLastProbedAtMs()).isEqualTo(T0 + 1000);
        assertThat(h.getFailingSinceMs()).isEqualTo(T0 + 1000);
        assertThat(store(MilterwatchTopology.FAILING_TARGETS_STORE).get("nx.example.invalid:2525")).isEqualTo(h);
        assertThat(published().get("nx.example.invalid:2525")).isEqualTo(h);
        assertThat(metrics.targets().targets()).isEqualTo(1);
        assertThat(metrics.targets().failing()).isEqualTo(1);
    }

    @Test
    void shouldShowTheErrorWhenTheNameIsOutOfScope() {
        register("mail.example.com", 2525);
        result("mail.example.com:2525", "mail.example.com", "", Outcome.ERROR,
                "out of scope: name 'mail.example.com' is not in worker.scope.names", "r1", T0 + 1000);
        assertThat(store(MilterwatchTopology.FAILING_TARGETS_STORE).get("mail.example.com:2525").getError())
                .isEqualTo("out of scope: name 'mail.example.com' is not in worker.scope.names");
    }

    @Test
    void shouldShowTheErrorWhenEveryAddressIsRefusedByScope() {
        // given: a name resolving to two addresses, one of them cloud metadata: the worker refuses both, keyed by ip:port
        register("meta.example.test", 2525);
        // when
        result("meta.example.test:2525", "meta.example.test", "169.254.169.254", Outcome.ERROR,
                "name 'meta.example.test' resolves to 169.254.169.254: link-local", "r1", T0 + 1000);
        result("meta.example.test:2525", "meta.example.test", "127.0.0.1", Outcome.ERROR,
                "not probed: name 'meta.example.test' resolves to 169.254.169.254: link-local", "r1", T0 + 1000);
        // then
        final TargetHealth h = store(MilterwatchTopology.TARGET_HEALTH_STORE).get("meta.example.test:2525");
        assertThat(h.getError()).contains("169.254.169.254");
        assertThat(metrics.targets().failing()).isEqualTo(1);
    }

    @Test
    void shouldClearTheErrorWhenAProbeWorks() {
        // given
        register("mx.example.test", 2525);
        result("mx.example.test:2525", "mx.example.test", "", Outcome.ERROR, "cannot resolve host 'mx.example.test'", "r1", T0 + 1000);
        assertThat(metrics.targets().failing()).isEqualTo(1);
        // when: the name resolves again and its port is closed: the probe reached the address
        result("mx.example.test:2525", "mx.example.test", "192.0.2.10", Outcome.CLOSED, "connection refused", "r2", T0 + 61_000);
        // then
        final TargetHealth h = store(MilterwatchTopology.TARGET_HEALTH_STORE).get("mx.example.test:2525");
        assertThat(h.getError()).isNull();
        assertThat(h.getFailingSinceMs()).isNull();
        assertThat(h.getLastProbedAtMs()).isEqualTo(T0 + 61_000);
        assertThat(store(MilterwatchTopology.FAILING_TARGETS_STORE).get("mx.example.test:2525")).isNull();
        assertThat(metrics.targets().failing()).isZero();
        assertThat(published().get("mx.example.test:2525").getError()).isNull();
    }

    @Test
    void shouldKeepATargetWorkingWhenAnotherAddressOfTheSameRequestFails() {
        register("mx.example.test", 2525);
        result("mx.example.test:2525", "mx.example.test", "192.0.2.10", Outcome.MILTER, null, "r1", T0 + 1000);
        result("mx.example.test:2525", "mx.example.test", "192.0.2.11", Outcome.ERROR, "local failure", "r1", T0 + 1000);
        assertThat(store(MilterwatchTopology.TARGET_HEALTH_STORE).get("mx.example.test:2525").getError()).isNull();
        assertThat(metrics.targets().failing()).isZero();
    }

    @Test
    void shouldKeepTheFirstFailingTimeWhenTheTargetKeepsFailing() {
        register("nx.example.test", 2525);
        result("nx.example.test:2525", "nx.example.test", "", Outcome.ERROR, "cannot resolve", "r1", T0 + 1000);
        result("nx.example.test:2525", "nx.example.test", "", Outcome.ERROR, "cannot resolve (again)", "r2", T0 + 301_000);
        final TargetHealth h = store(MilterwatchTopology.TARGET_HEALTH_STORE).get("nx.example.test:2525");
        assertThat(h.getError()).isEqualTo("cannot resolve (again)");
        assertThat(h.getFailingSinceMs()).isEqualTo(T0 + 1000);
        assertThat(h.getLastProbedAtMs()).isEqualTo(T0 + 301_000);
        assertThat(metrics.targets().failing()).isEqualTo(1);
    }

    @Test
    void shouldForgetTheHealthWhenTheTargetIsRemoved() {
        // given
        register("nx.example.test", 2525);
        result("nx.example.test:2525", "nx.example.test", "", Outcome.ERROR, "cannot resolve", "r1", T0 + 1000);
        health.readKeyValuesToList();
        // when
        targets.pipeInput("nx.example.test:2525", null, T0 + 2000);
        // then
        assertThat(store(MilterwatchTopology.TARGET_HEALTH_STORE).get("nx.example.test:2525")).isNull();
        assertThat(store(MilterwatchTopology.FAILING_TARGETS_STORE).get("nx.example.test:2525")).isNull();
        assertThat(health.readKeyValuesToList()).containsExactly(KeyValue.pair("nx.example.test:2525", null));
        assertThat(metrics.targets().targets()).isZero();
        assertThat(metrics.targets().failing()).isZero();
    }

    @Test
    void shouldListARegisteredTargetAsNotProbedYetWhenNoResultCame() {
        register("mx.example.test", 2525);
        final TargetHealth h = store(MilterwatchTopology.TARGET_HEALTH_STORE).get("mx.example.test:2525");
        assertThat(h.getHost()).isEqualTo("mx.example.test");
        assertThat(h.getLastProbedAtMs()).isNull();
        assertThat(h.getError()).isNull();
        assertThat(metrics.targets().targets()).isEqualTo(1);
    }

    @Test
    void shouldDropHealthWhenTheTargetIsNotRegistered() {
        result("gone.example.test:2525", "gone.example.test", "", Outcome.ERROR, "cannot resolve", "r1", T0 + 1000);
        assertThat(store(MilterwatchTopology.TARGET_HEALTH_STORE).get("gone.example.test:2525")).isNull();
        assertThat(health.isEmpty()).isTrue();
    }

    @Test
    void shouldGiveAHealthToATargetRegisteredBeforeHealthWasKeptWhenTheTaskStarts() {
        // given: a target in the registry only, as an earlier version left it (its targets record was read long ago)
        final KeyValueStore<String, Target> registry = driver.getKeyValueStore(MilterwatchTopology.REGISTRY_STORE);
        registry.put("old.example.test:2525", Target.newBuilder().setId("old.example.test:2525").setHost("old.example.test")
                .setPorts(List.of(2525)).build());
        registry.put("older.example.test:2525", Target.newBuilder().setId("older.example.test:2525").setHost("older.example.test")
                .setPorts(List.of(2525)).build());
        register("mx.example.test", 2525);
        health.readKeyValuesToList();
        // when: a result of one of them comes before the first punctuation
        result("older.example.test:2525", "older.example.test", "", Outcome.ERROR, "cannot resolve", "r1", T0 + 1000);
        // then: it is kept, not dropped as unregistered
        assertThat(store(MilterwatchTopology.FAILING_TARGETS_STORE).get("older.example.test:2525").getError()).isEqualTo("cannot resolve");
        // when: the wall clock moves (the task's first punctuation)
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
        // then: every registered target has a health, each counted once
        assertThat(store(MilterwatchTopology.TARGET_HEALTH_STORE).get("old.example.test:2525").getHost()).isEqualTo("old.example.test");
        assertThat(published()).containsKey("old.example.test:2525");
        assertThat(metrics.targets().targets()).isEqualTo(3);
        assertThat(metrics.targets().failing()).isEqualTo(1);
    }

    @Test
    void shouldForwardOneObservationPerMinuteWhenATargetKeepsWorking() {
        // given: a target whose many ports all work, probed every 10 s
        register("mx.example.test", 2525);
        for (int i = 0; i < 12; i++) {
            for (int ip = 10; ip < 15; ip++) {
                result("mx.example.test:2525", "mx.example.test", "192.0.2." + ip, Outcome.CLOSED, null, "r" + i, T0 + i * 10_000L);
            }
        }
        // then: health records at 0 s, 60 s (refresh) and the registration
        final var out = health.readValuesToList();
        assertThat(out).extracting(TargetHealth::getLastProbedAtMs).containsExactly(null, T0, T0 + 60_000);
    }
}
