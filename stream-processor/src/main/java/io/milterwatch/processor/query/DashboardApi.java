package io.milterwatch.processor.query;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;
import io.milterwatch.serde.RecordJson;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The two endpoints the dashboard needs beyond the query API, behind the same token:
 * <ul>
 *   <li>{@code GET /api/overview}: gone (410), replaced by {@code /api/summary} and the paged
 *       {@code /api/state} of {@link EstateApi}, which the dashboard uses;</li>
 *   <li>{@code GET /api/history/IP:PORT}: the transitions (alerts) of one ip:port still kept by
 *       {@link AlertFeed}, oldest first. Every instance reads every alert partition, so any
 *       instance answers for any ip:port.</li>
 * </ul>
 */
final class DashboardApi {

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

    /**
     * Replaced by {@code /api/summary} and the paged {@code /api/state}: it shipped every state of the
     * estate (50 MB at a million endpoints) on each call.
     */
    private void overview(final Exchange ex) throws IOException {
        send(ex, 410, error("/api/overview is gone (it shipped every state on each call): ask /api/summary for the counts, "
                + "/api/state?limit=N for a page of states (with their labels, remediation hint and latest alert) "
                + "and /api/targets?failing=true for failing targets; see docs/operations.md"));
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
