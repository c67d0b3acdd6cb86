package io.milterwatch.processor.topology;

import java.time.Duration;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.firewall.FirewallParserConfig;
import io.milterwatch.processor.firewall.ParseStatus;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Firewall log ingestion.
 *
 * <pre>
 * firewall.raw (key: none or the device; value: one log line, or shipper JSON with it in "message")
 *   └─ firewall-parse [stateless per record; per-task parser state: W3C #Fields: per key]
 *        ├─ EVENT ─┬─ no connection id ─────────────────────────────── by destination ─┐
 *        │         └─ connection id (ASA/FTD) ─ by (device, id) ─ repartition             │
 *        │              └─ firewall-connection-dedupe [window store, 24 h]: first only ─ by destination
 *        │                                                                               └─ merge ─ watched only
 *        │                                                         ───▶ firewall.events (key: dst ip:port, FirewallEvent)
 *        ├─ INVALID ── firewall-dead-letter ───────────────▶ dlq (original bytes; reason, source offset headers)
 *        └─ SKIPPED ── counted (sensor firewall-parse skipped-total), logged at DEBUG, not forwarded
 * </pre>
 *
 * <p>Raw lines carry no useful key (or the device), so the event is re-keyed by its destination:
 * that is where correlation looks for evidence about one {@code ip:port}. Events for endpoints that
 * no one watches (absent from the global store fed by exposure.state) are dropped right after
 * parsing, before the events topic: most lines concern ports that are no target. Protocols without ports
 * (ICMP...) are keyed by the bare address. Devices that log one connection in several messages under
 * their own id (Cisco ASA built + teardown, FTD start + end) are counted once: those events are
 * repartitioned by (device, connection id), so all messages of a connection meet in one task, and only
 * the first passes ({@link FirewallConnectionDeduplicator}, store {@link #CONNECTION_STORE}, retention
 * {@link #CONNECTION_RETENTION}). Correlation reads the events topic, which structured producers may also
 * write to. Every line gets exactly one outcome, and each outcome is counted by the parse step's sensors.
 */
public final class FirewallTopology {

    /** Connection ids already counted, per (device, id): see {@link FirewallConnectionDeduplicator}. */
    public static final String CONNECTION_STORE = "firewall-connection-dedupe-store";

    /**
     * How long a connection id is remembered. ASA's default idle timeout of a TCP connection is one hour and
     * its teardown follows within it; a day also covers most long-lived sessions while keeping the store small
     * (one short key per connection that names an id).
     */
    public static final Duration CONNECTION_RETENTION = Duration.ofHours(24);

    /** The DLQ stage header of lines the parser rejected. */
    public static final String STAGE = "stream-processor/firewall";

    private static final Logger LOG = LoggerFactory.getLogger(FirewallTopology.class);

    private FirewallTopology() {
    }

    /** Adds the firewall stage to {@code builder}; each line is counted in {@code metrics} by format and outcome. */
    public static void addTo(final StreamsBuilder builder, final Topics topics, final FirewallParserConfig config,
            final ProcessorMetrics metrics) {
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WatchedEndpoints.STORE), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                topics.exposureState(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("watched-endpoints"),
                WatchedEndpoints.Updater::new);
        final KStream<byte[], ParsedLine> parsed = builder
                .stream(topics.firewallRaw(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("firewall-raw-source"))
                .processValues(() -> new FirewallParseProcessor(config, metrics), Named.as("firewall-parse"));
        final var byOutcome = parsed.split(Named.as("firewall-"))
                .branch((key, line) -> line.result().status() == ParseStatus.EVENT, Branched.as("event"))
                .branch((key, line) -> line.result().status() == ParseStatus.INVALID, Branched.as("invalid"))
                .defaultBranch(Branched.as("skipped"));
        builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(CONNECTION_STORE, CONNECTION_RETENTION,
                CONNECTION_RETENTION, false), Serdes.String(), Serdes.Long()));
        final var events = byOutcome.get("firewall-event").split(Named.as("firewall-event-"))
                .branch((key, line) -> line.result().connectionId() != null, Branched.as("connection"))
                .defaultBranch(Branched.as("packet"));
        final KStream<String, FirewallEvent> connections = events.get("firewall-event-connection")
                .map((key, line) -> KeyValue.pair(FirewallConnectionDeduplicator.key(line.result().event().getDevice(),
                        line.result().connectionId()), line.result().event()), Named.as("firewall-event-by-connection"))
                .repartition(Repartitioned.with(Serdes.String(), Records.FIREWALL_EVENT).withName("firewall-connection"))
                .processValues(() -> new FirewallConnectionDeduplicator(CONNECTION_RETENTION), Named.as("firewall-connection-dedupe"),
                        CONNECTION_STORE)
                .selectKey((key, event) -> destinationKey(event), Named.as("firewall-connection-by-destination"));
        events.get("firewall-event-packet")
                .map((key, line) -> KeyValue.pair(destinationKey(line.result().event()), line.result().event()),
                        Named.as("firewall-event-by-destination"))
                .merge(connections, Named.as("firewall-events"))
                .process(WatchedEndpoints.Filter::new, Named.as("firewall-watched-only"))
                .to(topics.firewallEvents(), Produced.with(Serdes.String(), Records.FIREWALL_EVENT).withName("firewall-events-sink"));
        byOutcome.get("firewall-invalid")
                .process(() -> new DeadLetterProcessor<byte[], ParsedLine>(STAGE, (key, line) -> line.result().reason(),
                        Serdes.ByteArray().serializer(), (topic, line) -> line.raw()), Named.as("firewall-dead-letter"))
                .to(topics.dlq(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("firewall-dlq-sink"));
        byOutcome.get("firewall-skipped")
                .foreach((key, line) -> LOG.debug("Skipped firewall line ({}): {}", line.result().format(), line.result().reason()),
                        Named.as("firewall-skipped-log"));
    }

    static String destinationKey(final FirewallEvent event) {
        return event.getDstPort() == null ? event.getDstIp() : Endpoints.key(event.getDstIp(), event.getDstPort());
    }
}
