package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.Decision;
import io.milterwatch.processor.logic.ExposureStateMachine;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.AvroSerde;
import io.milterwatch.serde.Records;
import io.milterwatch.serde.SchemaHistory;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.consume.ProbeWorker;
import io.milterwatch.testing.MilterEmulator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Today's processor and worker started on what the release before the schema history wrote (commit
 * 2469210, issue 16): targets, the registry, schedule and exposure stores' changelogs, probe requests
 * and results, the state topic and an alert, every record encoded with the schema of that time
 * (ExposureState v4 without {@code duplicateResults}, see avro-history/HISTORY.md), on a real broker,
 * with the processor's group committed at the end of its inputs as a cleanly stopped processor leaves
 * it. And a changelog holding a value no version can decode: it goes to the DLQ, not into a crash loop.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UpgradeIT {

    /** The version of each record's schema that commit 2469210 wrote (avro-history/HISTORY.md). */
    private static final Map<String, Integer> AT_2469210 = Map.of("Target", 1, "ProbeRequest", 1, "ProbeResult", 2,
            "ExposureState", 4, "Alert", 2);

    @TempDir
    Path stateDir;

    @Test
    void shouldKeepEveryStateAndScheduleAndRepeatNoAlertWhenTodaysProcessorAndWorkerStartOnThePreviousReleasesRecords(
            final KafkaCluster cluster) throws Exception {
        try (MilterEmulator milter = MilterEmulator.start(MilterEmulator.Behaviour.LIBMILTER_V6)) {
            // given: what the previous release left: a target probed from outside and inside, EXPOSED, one alert
            final String prefix = KafkaCluster.uniquePrefix("upgrade");
            final Topics topics = Topics.withPrefix(prefix);
            final String app = prefix + "-processor";
            final long now = System.currentTimeMillis();
            final String id = milter.hostPort();
            final String key = milter.hostPort();
            final Target target = Target.newBuilder().setId(id).setHost("127.0.0.1").setPorts(List.of(milter.port()))
                    .setLabels(Map.of("owner", "mail-team")).setIntervalSeconds(3600).setAllowedZones(List.of(Zone.INTERNAL))
                    .setCreatedAtMs(now - 60_000).build();
            final ProbeResult inside = result(id, milter.port(), "inside", Zone.INTERNAL, "r-1", now - 50_000);
            final ProbeResult outside = result(id, milter.port(), "outside", Zone.EXTERNAL, "r-1", now - 50_000);
            final Decision first = ExposureStateMachine.apply(null, inside);
            final Decision exposed = ExposureStateMachine.apply(first.state(), outside);
            assertThat(exposed.state().getState()).isEqualTo(Exposure.EXPOSED);
            final ExposureState state = exposed.state();
            final Alert alert = exposed.alert();
            final long nextDue = now + 3_600_000;
            final ProbeRequest pending = ProbeRequest.newBuilder().setRequestId("r-2").setTargetId(id).setHost("127.0.0.1")
                    .setPorts(List.of(milter.port())).setReason(ProbeReason.SCHEDULED).setAllowedZones(List.of(Zone.INTERNAL))
                    .setRequestedAtMs(now - 1000).setDeadlineMs(now + 600_000).build();
            try (Admin admin = cluster.admin()) {
                TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
                admin.createTopics(List.of(changelog(app, MilterwatchTopology.REGISTRY_STORE), changelog(app, MilterwatchTopology.SCHEDULE_STORE),
                        changelog(app, MilterwatchTopology.EXPOSURE_STORE))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = producer(cluster)) {
                send(producer, topics.targets(), id, previous(target));
                send(producer, app + "-" + MilterwatchTopology.REGISTRY_STORE + "-changelog", id, previous(target));
                send(producer, app + "-" + MilterwatchTopology.SCHEDULE_STORE + "-changelog", id, new LongSerializer().serialize("", nextDue));
                send(producer, topics.probeResults(), key, previous(inside));
                send(producer, topics.probeResults(), key, previous(outside));
                send(producer, app + "-" + MilterwatchTopology.EXPOSURE_STORE + "-changelog", key, previous(state));
                send(producer, topics.exposureState(), key, previous(state));
                send(producer, topics.alertsExposure(), key, previous(alert));
                // The request the old processor made last, not yet taken by the workers of the outside vantage.
                send(producer, topics.probeRequests(), id, previous(pending));
            }
            assertThat(fingerprintOf(previous(state))).as("ExposureState as 2469210 wrote it (issue 16)").isEqualTo("9E258725263FA571");
            commitAtEnd(cluster, app, List.of(topics.targets(), topics.probeResults(), topics.firewallEvents(), topics.firewallRaw()));

            // when: today's processor and an outside worker start on it
            final ProcessorConfig config = ProcessorConfig.from(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of(
                    "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", app,
                    "processor.state.dir", stateDir.toString(), "processor.http.port", "0"), ConnectionOptions.KAFKA_NAMES));
            final Settings workerSettings = Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of("bootstrap.servers",
                    cluster.bootstrapServers(), "topic.prefix", prefix, "worker.vantage", "outside", "worker.zone", "EXTERNAL",
                    "worker.http.port", "0"), ConnectionOptions.KAFKA_NAMES);
            final long started = System.nanoTime();
            try (StreamsApp processor = new StreamsApp(config); ProbeWorker worker = new ProbeWorker(WorkerConfig.from(workerSettings))) {
                processor.start();
                final Thread workerThread = new Thread(worker, "upgrade-worker");
                workerThread.start();

                // then: ready within a minute
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> processor.health().readiness().up());
                System.out.printf("UpgradeIT: ready %d ms after start on the previous release's records%n",
                        (System.nanoTime() - started) / 1_000_000);
                // and: the old state, registry and schedule are kept as written
                final ExposureState kept = exposureStore(processor).get(key);
                assertThat(kept).as("exposure state of %s", key).isNotNull();
                assertThat(kept.getState()).isEqualTo(Exposure.EXPOSED);
                assertThat(kept.getTransitions()).isEqualTo(state.getTransitions());
                assertThat(kept.getVantages()).containsOnlyKeys("inside", "outside");
                assertThat(kept.getDuplicateResults()).as("field the old schema lacked: its default").isZero();
                assertThat(registryStore(processor).get(id)).isEqualTo(target);
                assertThat(scheduleStore(processor).get(id)).as("next due time").isEqualTo(nextDue);
                assertThat(processor.streams().store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.SCHEDULE_INDEX_STORE,
                        QueryableStoreTypes.<String, byte[]>keyValueStore())).get(io.milterwatch.processor.topology.ScheduleIndex.key(nextDue, id)))
                        .as("the schedule kept before the time-ordered index existed, indexed at start").isNotNull();

                // when: the worker answers the old request and the processor applies its result
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> exposureStore(processor).get(key).getDistinctResults() == state.getDistinctResults() + 1);
                // then: the endpoint is still EXPOSED, and that EXPOSED alert was not sent again
                final ExposureState after = exposureStore(processor).get(key);
                assertThat(after.getState()).isEqualTo(Exposure.EXPOSED);
                assertThat(after.getVantages().get("outside").getRequestId()).isEqualTo("r-2");
                SkeletonEndToEndITSupport.awaitCaughtUp(cluster, app, List.of(topics.probeResults()), Duration.ofSeconds(60));
                final List<ConsumerRecord<String, byte[]>> alerts = SkeletonEndToEndITSupport.read(cluster, topics.alertsExposure());
                assertThat(alerts).hasSize(1);
                assertThat(Records.ALERT.decode(topics.alertsExposure(), alerts.get(0).value()).getAlertId()).isEqualTo(alert.getAlertId());
                assertThat(SkeletonEndToEndITSupport.read(cluster, topics.alertsRegression())).isEmpty();
                // and: no target sent again as NEW, nothing in the DLQ, nothing undecodable
                assertThat(SkeletonEndToEndITSupport.read(cluster, topics.probeRequests()).stream()
                        .map(r -> Records.PROBE_REQUEST.decode(r.topic(), r.value()).getReason())).containsExactly(ProbeReason.SCHEDULED);
                assertThat(SkeletonEndToEndITSupport.read(cluster, topics.dlq())).isEmpty();
                assertThat(processor.undecodableStoreValues()).isZero();
                worker.close();
                workerThread.join(10_000);
            }
        }
    }

    @Test
    void shouldSendAnUndecodableStoreValueToTheDlqAndStayReadyWhenItsChangelogHoldsOne(final KafkaCluster cluster) throws Exception {
        // given: an exposure-store changelog with one good state and one value nothing can decode
        final String prefix = KafkaCluster.uniquePrefix("undecodable");
        final Topics topics = Topics.withPrefix(prefix);
        final String app = prefix + "-processor";
        final long now = System.currentTimeMillis();
        final Decision good = ExposureStateMachine.apply(null, result("192.0.2.7:8891", 8891, "outside", Zone.EXTERNAL, "r-1", now));
        final byte[] garbage = {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x42};
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
            admin.createTopics(List.of(changelog(app, MilterwatchTopology.EXPOSURE_STORE))).all().get();
        }
        final String changelog = app + "-" + MilterwatchTopology.EXPOSURE_STORE + "-changelog";
        try (KafkaProducer<byte[], byte[]> producer = producer(cluster)) {
            send(producer, changelog, "192.0.2.7:8891", Records.EXPOSURE_STATE.encode(good.state()));
            send(producer, changelog, "192.0.2.8:8891", garbage);
        }
        final ProcessorConfig config = ProcessorConfig.from(Settings.load(ConnectionOptions.ALL_SETTINGS, null, Map.of(), Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", app,
                "processor.state.dir", stateDir.toString(), "processor.http.port", "0"), ConnectionOptions.KAFKA_NAMES));
        // when
        try (StreamsApp processor = new StreamsApp(config)) {
            processor.start();
            // then: ready, and degraded with the count
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> processor.health().readiness().up()
                    && processor.undecodableStoreValues() == 1);
            assertThat(processor.health().readiness().reason()).contains("DEGRADED: 1 stored value");
            assertThat(processor.health().liveness().details()).containsEntry("undecodableStoreValues", 1L).containsEntry("degraded", true);
            // and: the bytes are in the DLQ, with the key, the changelog and the reason
            final List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dead.clear();
                dead.addAll(SkeletonEndToEndITSupport.read(cluster, topics.dlq()));
                return !dead.isEmpty();
            });
            assertThat(dead).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("192.0.2.8:8891");
                assertThat(r.value()).isEqualTo(garbage);
                assertThat(Dlq.header(r.headers(), Dlq.STAGE)).isEqualTo(StoreDeadLetters.STAGE);
                assertThat(Dlq.header(r.headers(), Dlq.SOURCE_TOPIC)).isEqualTo(changelog);
                assertThat(Dlq.header(r.headers(), Dlq.REASON)).contains("cannot decode ExposureState").contains("unknown schema");
            });
            // and: the good state is there, the bad one removed (a tombstone in its changelog), nothing else lost
            assertThat(exposureStore(processor).get("192.0.2.7:8891")).isEqualTo(good.state());
            await().atMost(Duration.ofSeconds(30)).until(() -> SkeletonEndToEndITSupport.read(cluster, changelog).stream()
                    .anyMatch(r -> r.key().equals("192.0.2.8:8891") && r.value() == null));
            // and: the state command shows it
            final CliRunner.Result state = CliRunner.run("state", "--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix);
            assertThat(state.code()).as(state.err()).isZero();
            assertThat(state.out()).contains("1 stored value(s) could not be decoded")
                    .contains("192.0.2.8:8891").contains("unknown schema");
        }
    }

    private static ProbeResult result(final String targetId, final int port, final String vantage, final Zone zone, final String request,
            final long at) {
        return ProbeResult.newBuilder().setRequestId(request).setTargetId(targetId).setHost("127.0.0.1")
                .setIp(targetId.startsWith("192.") ? "192.0.2.7" : "127.0.0.1").setPort(port).setVantage(vantage).setZone(zone)
                .setAllowedZones(List.of(Zone.INTERNAL)).setOutcome(Outcome.MILTER)
                .setMilter(MilterHandshake.newBuilder().setVersion(6).setActions(0x1FF).setProtocol(0x1FFFFF).build())
                .setTotalMs(3).setProbedAtMs(at).build();
    }

    /** {@code value} encoded as commit 2469210 wrote it: resolved to that version's schema, with its fingerprint. */
    static byte[] previous(final SpecificRecord value) {
        final String name = value.getSchema().getName();
        final Schema old = SchemaHistory.versions(name).get(AT_2469210.get(name) - 1);
        try {
            final ByteArrayOutputStream today = new ByteArrayOutputStream();
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(today, null);
            new SpecificDatumWriter<SpecificRecord>(value.getSchema()).write(value, encoder);
            encoder.flush();
            final GenericRecord asOld = new GenericDatumReader<GenericRecord>(value.getSchema(), old)
                    .read(null, DecoderFactory.get().binaryDecoder(today.toByteArray(), null));
            return AvroSerde.generic(old).encode(asOld);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String fingerprintOf(final byte[] singleObject) {
        return java.util.HexFormat.of().withUpperCase().formatHex(singleObject, 2, 10);
    }

    private static NewTopic changelog(final String app, final String store) {
        return new NewTopic(app + "-" + store + "-changelog", 1, (short) -1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    private static KafkaProducer<byte[], byte[]> producer(final KafkaCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static void send(final KafkaProducer<byte[], byte[]> producer, final String topic, final String key, final byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    /** The processor's group committed at the end of its input topics, as a processor stopped with SIGTERM leaves it. */
    private static void commitAtEnd(final KafkaCluster cluster, final String group, final List<String> topics) throws Exception {
        try (Admin admin = cluster.admin()) {
            final Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
            for (final String t : topics) {
                latest.put(new TopicPartition(t, 0), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
        }
    }

    private static ReadOnlyKeyValueStore<String, ExposureState> exposureStore(final StreamsApp processor) {
        return processor.streams().store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.EXPOSURE_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private static ReadOnlyKeyValueStore<String, Target> registryStore(final StreamsApp processor) {
        return processor.streams().store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.REGISTRY_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private static ReadOnlyKeyValueStore<String, Long> scheduleStore(final StreamsApp processor) {
        return processor.streams().store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.SCHEDULE_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

}
