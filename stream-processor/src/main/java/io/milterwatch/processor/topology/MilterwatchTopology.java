package io.milterwatch.processor.topology;

import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.Decision;
import io.milterwatch.processor.logic.TargetValidator;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The stream processor's topology.
 *
 * <pre>
 * targets (key: target id, compacted; tombstone removes)
 *   ├─ invalid ─────────────────────────────────────────────▶ dlq (reason headers)
 *   └─ target-registry [registry, schedule + time-ordered schedule index stores, wall-clock punctuator]
 *                                                            ▶ probe-requests (key: target id)
 * probe-results (key: ip:port, from every vantage)
 *   └─ probe-result-dedupe [dedupe window store: ip:port + vantage + request id, retention
 *        │                   processor.dedupe.retention.ms]: first result Probe, redelivery Duplicate
 *        └───────────────────────────────────────────┐
 * firewall.events (key: destination ip:port) ─────────┴─ merge
 *   └─ exposure-correlator [exposure store: state machine; wall-clock STALE punctuator]
 *        ├─ state ───────────────────────────────────────────▶ exposure.state (key: ip:port, compacted)
 *        ├─ FIREWALL_EVIDENCE re-probes (rate-limited) ─────▶ probe-requests (key: target id)
 *        └─ transitions ─┬─ REGRESSED ──────────────────────▶ alerts.regression
 *                        └─ EXPOSED, REMEDIATED, ... ───────▶ alerts.exposure
 * probe-results ─ target-health-observer (health changes, a refresh a minute; key: target id)
 *   └─ repartition target-health-observations ─┐
 * targets (valid) ─────────────────────────────┴─ merge
 *   └─ target-health [target-health + failing-targets stores] ─▶ target.health (key: target id, compacted)
 * firewall.raw ─ firewall-parse (see FirewallTopology) ─────────▶ firewall.events (key: dst ip:port), dlq
 * </pre>
 *
 * One repartition, small: target health ({@link TargetHealthObserver}, {@link TargetHealthProcessor}).
 * Its topic gets the partition count of probe-results, which must equal that of targets (as
 * {@code topics create} makes them) so that an observation meets its target's task. Otherwise
 * targets are keyed by id where they are registered; results and firewall events
 * are both keyed by ip:port by their writers (same partition count, default partitioner), so they
 * meet in the same task. Firewall events for ip:ports without state are dropped right there, the
 * cheapest place after the topic. Time: firewall events carry event time; one older than the
 * newest seen for its ip:port by more than the grace period is late (counted, never acted on), and
 * one from before the current state began cannot cause a transition, so a line logged before a fix
 * never "regresses" it. Workers are at-least-once: a result redelivered for a request, vantage and
 * ip:port already seen is counted in the state ({@code duplicateResults}) and never applied again
 * (see {@link ProbeResultDeduplicator}). Undecodable input goes to the DLQ through the
 * deserialization handler configured in {@code StreamsApp}; an undecodable value in the registry or
 * exposure store (from its changelog) goes there through {@link StoreDeadLetters}.
 */
public final class MilterwatchTopology {

    public static final String REGISTRY_STORE = "target-registry-store";
    public static final String SCHEDULE_STORE = "target-schedule-store";
    public static final String SCHEDULE_INDEX_STORE = "target-schedule-index-store";
    public static final String EXPOSURE_STORE = "exposure-store";
    public static final String DEDUPE_STORE = "probe-result-dedupe-store";
    public static final String TARGET_HEALTH_STORE = "target-health-store";
    public static final String FAILING_TARGETS_STORE = "failing-targets-store";
    /** Name of the repartition topic (and its operator) that brings health observations to the target's task. */
    public static final String HEALTH_OBSERVATIONS = "target-health-observations";

    private MilterwatchTopology() {
    }

    /** The topology with meters no one reads (descriptions, tests). */
    public static Topology build(final Topics topics, final ProcessorConfig config) {
        return build(topics, config, ProcessorMetrics.unread());
    }

    /**
     * The topology, counting firewall lines, alerts and endpoints per state into {@code metrics};
     * store values it cannot decode are kept in memory only (tests and benchmarks).
     */
    public static Topology build(final Topics topics, final ProcessorConfig config, final ProcessorMetrics metrics) {
        return build(topics, config, metrics, StoreDeadLetters.inMemory(topics.dlq(), new java.util.ArrayList<>(), metrics.registry()));
    }

    /**
     * The topology, counting into {@code metrics}; a store value that cannot be decoded is handed to
     * {@code storeDeadLetters} (the DLQ) by the processor that read it, and its key starts afresh.
     */
    public static Topology build(final Topics topics, final ProcessorConfig config, final ProcessorMetrics metrics,
            final StoreDeadLetters storeDeadLetters) {
        final StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REGISTRY_STORE), Serdes.String(),
                StoreDeadLetters.guard(Records.TARGET)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCHEDULE_STORE), Serdes.String(), Serdes.Long()));
        // The time-ordered index of the schedule: in memory and not logged, rebuilt from the schedule store when its
        // task starts, so that a tick's writes are the schedule's own (one per target requested), not three.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SCHEDULE_INDEX_STORE), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXPOSURE_STORE), Serdes.String(),
                StoreDeadLetters.guard(Records.EXPOSURE_STATE)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TARGET_HEALTH_STORE), Serdes.String(),
                StoreDeadLetters.guard(Records.TARGET_HEALTH)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FAILING_TARGETS_STORE), Serdes.String(),
                StoreDeadLetters.guard(Records.TARGET_HEALTH)));
        // Window size equal to the retention: each id is a point in time; only the retention matters.
        builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(DEDUPE_STORE, config.dedupeRetention(),
                config.dedupeRetention(), false), Serdes.String(), Serdes.Long()));

        final KStream<String, Target> targets = builder.stream(topics.targets(),
                Consumed.with(Serdes.String(), Records.TARGET).withName("targets-source"));
        final var byValidity = targets.split(Named.as("targets-"))
                .branch((id, target) -> target != null && TargetValidator.problem(id, target) != null, Branched.as("invalid"))
                .defaultBranch(Branched.as("valid"));
        byValidity.get("targets-invalid")
                .process(() -> new DeadLetterProcessor<String, Target>("stream-processor/targets", TargetValidator::problem,
                        Serdes.String().serializer(), Records.TARGET.serializer()), Named.as("targets-dead-letter"))
                .to(topics.dlq(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("targets-dlq-sink"));
        byValidity.get("targets-valid")
                .process(() -> new TargetRegistryProcessor(config.scheduleTick(), config.requestDeadline(),
                        config.scale().schedulePerTick(), metrics, storeDeadLetters), Named.as("target-registry"),
                        REGISTRY_STORE, SCHEDULE_STORE, SCHEDULE_INDEX_STORE)
                .to(topics.probeRequests(), Produced.with(Serdes.String(), Records.PROBE_REQUEST).withName("probe-requests-sink"));

        final KStream<String, ProbeResult> results = builder.stream(topics.probeResults(),
                Consumed.with(Serdes.String(), Records.PROBE_RESULT).withName("probe-results-source"));
        // Target health: observations keyed by target id (only changes and a refresh a minute, see
        // TargetHealthObserver), repartitioned to the task that owns the target on the targets topic.
        final KStream<String, HealthInput> observations = results
                .process(TargetHealthObserver::new, Named.as("target-health-observer"))
                .repartition(Repartitioned.<String, TargetHealth>as(HEALTH_OBSERVATIONS)
                        .withKeySerde(Serdes.String()).withValueSerde(Records.TARGET_HEALTH))
                .mapValues(o -> (HealthInput) new HealthInput.Observed(o), Named.as("target-health-observed"));
        byValidity.get("targets-valid")
                .mapValues(t -> t == null ? (HealthInput) new HealthInput.Removed() : new HealthInput.Registered(t),
                        Named.as("target-health-registered"))
                .merge(observations, Named.as("target-health-inputs"))
                .process(() -> new TargetHealthProcessor(metrics.targets(), storeDeadLetters), Named.as("target-health"),
                        TARGET_HEALTH_STORE, FAILING_TARGETS_STORE, REGISTRY_STORE)
                .to(topics.targetHealth(), Produced.with(Serdes.String(), Records.TARGET_HEALTH).withName("target-health-sink"));
        // Results without an address (the name did not resolve) stay on the results topic; they
        // say nothing about any ip:port's exposure.
        final KStream<String, CorrelationInput> probeEvidence = results
                .filter((key, result) -> result != null && !result.getIp().isEmpty(), Named.as("attributable-results"))
                .processValues(() -> new ProbeResultDeduplicator(config.dedupeRetention()), Named.as("probe-result-dedupe"), DEDUPE_STORE);
        final KStream<String, CorrelationInput> firewallEvidence = builder.stream(topics.firewallEvents(),
                        Consumed.with(Serdes.String(), Records.FIREWALL_EVENT).withName("firewall-events-source"))
                .filter((key, event) -> key != null && event != null, Named.as("keyed-firewall-events"))
                .mapValues(event -> (CorrelationInput) new CorrelationInput.Firewall(event), Named.as("firewall-evidence"));
        final KStream<String, Decision> decisions = probeEvidence.merge(firewallEvidence, Named.as("evidence"))
                .process(() -> new ExposureCorrelator(config.classifier(), config.policy(), config.staleCheck(),
                        config.scale().stalePass(), metrics, storeDeadLetters),
                        Named.as("exposure-correlator"), EXPOSURE_STORE);
        decisions.mapValues(Decision::state, Named.as("exposure-state-values"))
                .to(topics.exposureState(), Produced.with(Serdes.String(), Records.EXPOSURE_STATE).withName("exposure-state-sink"));
        decisions.filter((key, decision) -> decision.reprobe(), Named.as("firewall-reprobes"))
                .map((key, decision) -> KeyValue.pair(decision.state().getTargetId(), Reprobes.request(decision.state(), config)),
                        Named.as("firewall-reprobe-requests"))
                .to(topics.probeRequests(), Produced.with(Serdes.String(), Records.PROBE_REQUEST).withName("firewall-reprobe-sink"));
        final KStream<String, Alert> alerts = decisions
                .filter((key, decision) -> decision.transitioned(), Named.as("transitions"))
                .mapValues(Decision::alert, Named.as("alert-values"));
        alerts.split(Named.as("alerts-"))
                .branch((key, alert) -> alert.getToState() == Exposure.REGRESSED, Branched.withConsumer(s -> s.to(topics.alertsRegression(),
                        Produced.with(Serdes.String(), Records.ALERT).withName("regression-alerts-sink")), "regression"))
                .defaultBranch(Branched.withConsumer(s -> s.to(topics.alertsExposure(),
                        Produced.with(Serdes.String(), Records.ALERT).withName("exposure-alerts-sink")), "exposure"));
        FirewallTopology.addTo(builder, topics, config.firewall(), metrics);
        return builder.build();
    }
}
