package io.milterwatch.processor.query;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.RemediationHint;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Target;
import io.milterwatch.serde.RecordJson;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two endpoints the dashboard needs beyond the query API, behind the same token:
 * <ul>
 *   <li>{@code GET /api/overview}: every ip:port as {@code /api/state} has it (and, in
 *       {@code undecodableStoreValues}, how many stored values the instances sent to the DLQ as
 *       undecodable: the dashboard shows it as degraded), plus the labels of
 *       its target (from the target registry), the remediation hint of its current state and its
 *       latest alert, gathered from every instance. Labels live with the target id, states with
 *       the ip:port, so the two may be on different instances: each instance answers
 *       {@code ?local=true} with what it holds and the asked instance joins them. An instance that
 *       does not answer is named in {@code unavailable} instead of failing the whole page.</li>
 *   <li>{@code GET /api/history/IP:PORT}: the transitions (alerts) of one ip:port still kept by
 *       {@link AlertFeed}, oldest first. Every instance reads every alert partition, so any
 *       instance answers for any ip:port.</li>
 * </ul>
 */
final class DashboardApi {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardApi.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_KEY_CHARS = 64;

    /** How one instance asks another (the query server's client, which passes the token on). */
    @FunctionalInterface
    interface Peers {
        JsonNode fetch(HostInfo host, String pathAndQuery) throws IOException;
    }

    private final KafkaStreams streams;
    private final AlertFeed alerts;
    private final HostInfo self;
    private final Peers peers;
    private final LongSupplier undecodableStoreValues;

    DashboardApi(final KafkaStreams streams, final AlertFeed alerts, final HostInfo self, final Peers peers,
            final LongSupplier undecodableStoreValues) {
        this.streams = streams;
        this.alerts = alerts;
        this.self = self;
        this.peers = peers;
        this.undecodableStoreValues = undecodableStoreValues;
    }

    /** Adds {@code /api/overview} and {@code /api/history/} to {@code server}, each behind {@code auth}. */
    void register(final HttpService server, final HttpService.Access auth) {
        server.route("/api/overview", HttpService.Kind.API, auth, this::overview);
        server.route("/api/history", HttpService.Kind.API, auth, this::history);
    }

    private void overview(final Exchange ex) throws IOException {
        if (!"GET".equals(ex.method())) {
            send(ex, 405, error("use GET"));
            return;
        }
        final String path = ex.path();
        if (!path.equals("/api/overview") && !path.equals("/api/overview/")) {
            send(ex, 404, error("no such endpoint: " + path));
            return;
        }
        final ObjectNode local;
        try {
            local = local();
        } catch (final InvalidStateStoreException e) {
            send(ex, 503, error("the state stores are not ready (" + e.getMessage() + "); retry"));
            return;
        }
        if ("local=true".equals(ex.rawQuery())) {
            send(ex, 200, local);
            return;
        }
        final Map<String, JsonNode> states = new TreeMap<>();
        final Map<String, JsonNode> labels = new TreeMap<>();
        final ArrayNode unavailable = NODES.arrayNode();
        long undecodable = local.path("undecodableStoreValues").asLong();
        collect(local, states, labels);
        for (final StreamsMetadata other : streams.metadataForAllStreamsClients()) {
            if (other.hostInfo().equals(self)) {
                continue;
            }
            try {
                final JsonNode remote = peers.fetch(other.hostInfo(), "/api/overview?local=true");
                if (!remote.has("states")) {
                    throw new IOException("answered " + remote.path("error").asText("without states"));
                }
                collect(remote, states, labels);
                undecodable += remote.path("undecodableStoreValues").asLong();
            } catch (final IOException e) {
                LOG.warn("overview: instance {} did not answer: {}", other.hostInfo(), e.getMessage());
                unavailable.add(other.hostInfo().host() + ":" + other.hostInfo().port() + ": " + e.getMessage());
            }
        }
        final ArrayNode targets = NODES.arrayNode();
        for (final JsonNode state : states.values()) {
            final ObjectNode entry = ((ObjectNode) state).deepCopy();
            final JsonNode targetLabels = labels.get(state.path("targetId").asText());
            entry.set("labels", targetLabels == null ? NODES.objectNode() : targetLabels);
            final Alert last = alerts.latest(state.path("key").asText());
            entry.set("lastAlert", last == null ? NODES.nullNode() : brief(last));
            targets.add(entry);
        }
        final ObjectNode body = NODES.objectNode();
        body.set("targets", targets);
        body.set("unavailable", unavailable);
        body.put("undecodableStoreValues", undecodable);
        body.put("generatedAtMs", System.currentTimeMillis());
        send(ex, 200, body);
    }

    /** What this instance holds: its ip:port states (with their remediation hint) and its targets' labels. */
    private ObjectNode local() {
        final ArrayNode states = NODES.arrayNode();
        final ReadOnlyKeyValueStore<String, ExposureState> exposure = streams.store(
                StoreQueryParameters.fromNameAndType(MilterwatchTopology.EXPOSURE_STORE, QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<String, ExposureState> it = exposure.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value == null) {
                    // Undecodable: the processor sends it to the DLQ and counts it; not shown as a state.
                    StoreDeadLetters.discardPending();
                    return;
                }
                final ObjectNode node = RecordJson.toNode(kv.value);
                node.put("remediation", RemediationHint.forState(kv.value));
                states.add(node);
            });
        }
        final ObjectNode labels = NODES.objectNode();
        final ReadOnlyKeyValueStore<String, Target> registry = streams.store(
                StoreQueryParameters.fromNameAndType(MilterwatchTopology.REGISTRY_STORE, QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<String, Target> it = registry.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value == null) {
                    StoreDeadLetters.discardPending();
                    return;
                }
                final ObjectNode map = NODES.objectNode();
                kv.value.getLabels().forEach(map::put);
                labels.set(kv.key, map);
            });
        }
        final ObjectNode local = NODES.objectNode();
        local.set("states", states);
        local.set("labels", labels);
        local.put("undecodableStoreValues", undecodableStoreValues.getAsLong());
        return local;
    }

    private static void collect(final JsonNode part, final Map<String, JsonNode> states, final Map<String, JsonNode> labels) {
        part.path("states").forEach(s -> states.put(s.path("key").asText(), s));
        part.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue()));
    }

    private static ObjectNode brief(final Alert a) {
        return NODES.objectNode().put("alertId", a.getAlertId()).put("severity", a.getSeverity().name())
                .put("fromState", a.getFromState().name()).put("toState", a.getToState().name())
                .put("summary", a.getSummary()).put("createdAtMs", a.getCreatedAtMs());
    }

    private void history(final Exchange ex) throws IOException {
        if (!"GET".equals(ex.method())) {
            send(ex, 405, error("use GET"));
            return;
        }
        final String path = ex.rawPath();
        final String prefix = "/api/history/";
        final String key = path.startsWith(prefix) ? URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8) : "";
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS || key.indexOf(':') < 0) {
            send(ex, 400, error("history: '" + (key.length() > MAX_KEY_CHARS ? key.substring(0, MAX_KEY_CHARS) + "..." : key)
                    + "' is not an ip:port; ask for /api/history/IP:PORT (IPv6 in brackets)"));
            return;
        }
        final AlertFeed.KeptHistory kept = alerts.history(key);
        final ArrayNode list = NODES.arrayNode();
        kept.alerts().forEach(a -> list.add(RecordJson.toNode(a)));
        final ObjectNode body = NODES.objectNode().put("key", key);
        body.set("alerts", list);
        body.put("truncated", kept.truncated());
        body.put("perKey", AlertFeed.HISTORY_PER_KEY);
        send(ex, 200, body);
    }

    private static ObjectNode error(final String message) {
        return NODES.objectNode().put("error", message);
    }

    private static void send(final Exchange ex, final int status, final JsonNode body) throws IOException {
        ex.setHeader("Cache-Control", "no-store");
        ex.send(status, "application/json", RecordJson.mapper().writeValueAsBytes(body));
    }
}
