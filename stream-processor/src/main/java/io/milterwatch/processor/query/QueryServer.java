package io.milterwatch.processor.query;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.http.EventStream;
import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.serde.RecordJson;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API over the exposure store, on loopback by default:
 * <ul>
 *   <li>{@code GET /api/state}: every ip:port, gathered from every instance of the application; with
 *       {@code limit}, {@code cursor}, {@code state} or {@code q}, one page ({@link EstateApi}), as are
 *       {@code /api/summary} and {@code /api/targets};</li>
 *   <li>{@code GET /api/state/IP:PORT}: one, answered by (or fetched from) the instance that owns it;</li>
 *   <li>{@code GET /api/alerts?limit=N}: recent alerts, newest last;</li>
 *   <li>{@code GET /api/transitions}: a server-sent-events stream, one {@code transition} event per alert
 *       (the token may also come as {@code ?access_token=}, for browsers' {@code EventSource});</li>
 *   <li>{@code GET /}: the live dashboard ({@link DashboardAssets}), with {@code /api/overview} and
 *       {@code /api/history/IP:PORT} ({@link DashboardApi}).</li>
 * </ul>
 * Instances find each other through Kafka Streams metadata ({@code application.server}). A token
 * ({@code processor.http.token}) can be required of every client.
 *
 * <p>Served by the shared {@link HttpService}: non-blocking (a client that never finishes its request
 * holds no thread), the API within a bounded budget and event streams within another, so that
 * {@code /health/*} answers whatever the API's load; a {@code Host} that does not name this server
 * gets 421 (DNS rebinding).
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** On an answer from a standby copy because the key's owner did not answer: that owner's host:port. */
    public static final String STANDBY_HEADER = "X-Milterwatch-Standby-For";

    private final KafkaStreams streams;
    private final AlertFeed alerts;
    private final HostInfo self;
    private final HttpService server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String token;
    private final BearerToken auth;
    private final EstateApi estate;

    /**
     * With a token configured, every request must carry {@code Authorization: Bearer TOKEN}
     * (compared in constant time); instances pass it on when they ask each other.
     */
    static final class BearerToken implements HttpService.Access {
        private final byte[] expected;

        BearerToken(final String token) {
            this.expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean admit(final Exchange ex) {
            if (expected == null) {
                return true;
            }
            final String given = ex.header("Authorization");
            if (given != null && java.security.MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
            ex.setHeader("WWW-Authenticate", "Bearer realm=\"milterwatch\"");
            ex.send(401, "application/json", HttpService.json("a token is required: send 'Authorization: Bearer TOKEN'"));
            return false;
        }
    }

    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token) throws IOException {
        this(streams, alerts, host, port, advertised, token, List.of(), () -> 0);
    }

    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token, final List<String> allowedHosts) throws IOException {
        this(streams, alerts, host, port, advertised, token, allowedHosts, () -> 0);
    }

    /**
     * @param allowedHosts names clients may reach the API by besides the bind host, the advertised host, localhost and IP
     *                     literals ({@code processor.http.allowed.hosts}); any other {@code Host} gets 421
     * @param undecodableStoreValues this instance's stored values sent to the DLQ as undecodable, for the dashboard
     */
    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token, final List<String> allowedHosts, final java.util.function.LongSupplier undecodableStoreValues)
            throws IOException {
        this(streams, alerts, host, port, advertised, token, allowedHosts, undecodableStoreValues, null);
    }

    /**
     * @param metrics the processor's counters, which {@code /api/summary} reads (null: it answers 503)
     */
    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token, final List<String> allowedHosts, final java.util.function.LongSupplier undecodableStoreValues,
            final ProcessorMetrics metrics) throws IOException {
        this.streams = streams;
        this.alerts = alerts;
        final List<String> names = new ArrayList<>(allowedHosts);
        names.add(host);
        names.add(advertised.host());
        this.server = new HttpService(HttpService.Options.defaults(host, port, names, ProcessorSettings.HTTP_ALLOWED_HOSTS.name(),
                "query-api"));
        this.self = new HostInfo(advertised.host(), advertised.port() == 0 ? server.port() : advertised.port());
        this.token = token == null || token.isEmpty() ? null : token;
        this.auth = new BearerToken(this.token);
        server.route("/api/state", HttpService.Kind.API, auth, this::state);
        server.route("/api/alerts", HttpService.Kind.API, auth, this::alerts);
        server.stream("/api/transitions", new QueryParameterToken(auth, this.token), this::transitions);
        new DashboardApi(streams, alerts, self, this::fetch, undecodableStoreValues).register(server, auth);
        this.estate = new EstateApi(streams, alerts, self, this::fetch, metrics, undecodableStoreValues);
        estate.register(server, auth);
        server.route("/", HttpService.Kind.ESSENTIAL, HttpService.Access.OPEN, new DashboardAssets());
    }

    /** Serves {@code handler} at {@code path}, behind the token when {@code tokenRule} (as the API) or open (health checks); never within the API's budget. */
    public void addEndpoint(final String path, final HttpService.Route handler, final boolean tokenRule) {
        server.route(path, HttpService.Kind.ESSENTIAL, tokenRule ? auth : HttpService.Access.OPEN, handler);
    }

    public void start() throws IOException {
        server.start();
        LOG.info("query API on http://{}:{}/api/state", server.host(), server.port());
    }

    public int port() {
        return server.port();
    }

    private void state(final Exchange ex) throws IOException {
        try {
            final String path = ex.path();
            final boolean localOnly = "true".equals(ex.query().get("local"));
            if (path.equals("/api/state") || path.equals("/api/state/")) {
                if (EstateApi.paged(ex)) {
                    estate.statePage(ex);
                    return;
                }
                // No page asked for: every state, as before pages existed (scripts rely on it); see docs/operations.md.
                send(ex, 200, all(localOnly));
                return;
            }
            final String key = URLDecoder.decode(path.substring("/api/state/".length()), StandardCharsets.UTF_8);
            final KeyQueryMetadata meta = streams.queryMetadataForKey(MilterwatchTopology.EXPOSURE_STORE, key, Serdes.String().serializer());
            if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                retryLater(ex, "the state store is not ready (rebalancing); retry");
                return;
            }
            if (!localOnly && !meta.activeHost().equals(self)) {
                forward(ex, meta, key);
                return;
            }
            // The key's own partition, not every local store: an instance asked for a key it no longer owns
            // (metadata that moved on during a rebalance) says 503 rather than 404.
            answer(ex, key, store(meta.partition(), false).get(key), null);
        } catch (final org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            retryLater(ex, "the state store is not ready (" + e.getMessage() + "); retry");
        }
    }

    private void answer(final Exchange ex, final String key, final ExposureState state, final String staleFrom) throws IOException {
        if (state == null) {
            StoreDeadLetters.discardPending();
            send(ex, 404, error("no state for '" + key + "' (not watched, or not probed yet)"));
            return;
        }
        if (staleFrom != null) {
            ex.setHeader(STANDBY_HEADER, staleFrom);
        }
        send(ex, 200, RecordJson.toNode(state));
    }

    /** Rebalancing, or the owner gone: the key will have an owner again shortly (the group's session timeout at most). */
    private static void retryLater(final Exchange ex, final String message) throws IOException {
        ex.setHeader("Retry-After", "1");
        send(ex, 503, error(message));
    }

    private JsonNode all(final boolean localOnly) throws IOException {
        final Map<String, JsonNode> byKey = new TreeMap<>();
        try (KeyValueIterator<String, ExposureState> it = store().all()) {
            it.forEachRemaining(kv -> {
                if (kv.value == null) {
                    // Undecodable: the processor sends it to the DLQ and counts it (see StoreDeadLetters).
                    StoreDeadLetters.discardPending();
                } else {
                    byKey.put(kv.key, RecordJson.toNode(kv.value));
                }
            });
        }
        if (!localOnly) {
            for (final StreamsMetadata other : streams.streamsMetadataForStore(MilterwatchTopology.EXPOSURE_STORE)) {
                if (other.hostInfo().equals(self)) {
                    continue;
                }
                final JsonNode remote = fetch(other.hostInfo(), "/api/state?local=true");
                remote.forEach(n -> byKey.put(n.get("key").asText(), n));
            }
        }
        final ArrayNode array = NODES.arrayNode();
        byKey.values().forEach(array::add);
        return array;
    }

    private ReadOnlyKeyValueStore<String, ExposureState> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.EXPOSURE_STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** One partition's store: the active one, or with {@code standby} this instance's standby copy of it. */
    private ReadOnlyKeyValueStore<String, ExposureState> store(final int partition, final boolean standby) {
        final StoreQueryParameters<ReadOnlyKeyValueStore<String, ExposureState>> p = StoreQueryParameters
                .fromNameAndType(MilterwatchTopology.EXPOSURE_STORE, QueryableStoreTypes.<String, ExposureState>keyValueStore())
                .withPartition(partition);
        return streams.store(standby ? p.enableStaleStores() : p);
    }

    private void alerts(final Exchange ex) throws IOException {
        int limit = 100;
        final String l = ex.query().get("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (final NumberFormatException e) {
                send(ex, 400, error("limit: '" + l + "' is not a number"));
                return;
            }
            if (limit < 1 || limit > AlertFeed.KEEP) {
                send(ex, 400, error("limit: " + limit + " is outside 1.." + AlertFeed.KEEP));
                return;
            }
        }
        final ArrayNode array = NODES.arrayNode();
        alerts.recent(limit).forEach(a -> array.add(RecordJson.toNode(a)));
        send(ex, 200, array);
    }

    /** One {@code transition} event per new alert; a client too slow to take 1000 queued events is dropped. */
    private void transitions(final Exchange ex, final EventStream stream) {
        final Consumer<Alert> listener = a -> {
            if (!stream.offer("id: " + a.getAlertId() + "\nevent: transition\ndata: " + RecordJson.toJson(a) + "\n\n") && !stream.isClosed()) {
                LOG.warn("SSE client too slow; alert {} was not queued for it", a.getAlertId());
            }
        };
        alerts.addListener(listener);
        stream.onClose(() -> alerts.removeListener(listener));
        // only now that the listener is registered: a browser counts the stream open on the headers
        stream.offer(": milterwatch transitions\n\n");
    }

    /**
     * Asks the key's owner. When it does not answer (killed, say, and the group has not noticed yet), a
     * standby copy here answers instead, marked with {@value #STANDBY_HEADER} (it may lag the owner by
     * what the owner wrote last); without one, 503 and a retry hint.
     */
    private void forward(final Exchange ex, final KeyQueryMetadata meta, final String key) throws IOException {
        final HostInfo host = meta.activeHost();
        try {
            final HttpResponse<byte[]> r = http.send(request(host, "/api/state/" + key + "?local=true"), HttpResponse.BodyHandlers.ofByteArray());
            r.headers().firstValue("Retry-After").ifPresent(v -> ex.setHeader("Retry-After", v));
            ex.send(r.statusCode(), "application/json", r.body());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            retryLater(ex, "interrupted");
        } catch (final IOException e) {
            if (meta.standbyHosts().contains(self)) {
                try {
                    answer(ex, key, store(meta.partition(), true).get(key), host.host() + ":" + host.port());
                    return;
                } catch (final org.apache.kafka.streams.errors.InvalidStateStoreException notHere) {
                    LOG.debug("no standby copy of partition {} here: {}", meta.partition(), notHere.getMessage());
                }
            }
            retryLater(ex, "instance " + host + " that owns this key did not answer (" + e.getMessage()
                    + "); another instance takes its keys over once the group notices it is gone; retry");
        }
    }

    private JsonNode fetch(final HostInfo host, final String pathAndQuery) throws IOException {
        try {
            final HttpResponse<InputStream> r = http.send(request(host, pathAndQuery), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                return RecordJson.mapper().readTree(in);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private HttpRequest request(final HostInfo host, final String pathAndQuery) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(5)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private static ObjectNode error(final String message) {
        return NODES.objectNode().put("error", message);
    }

    private static void send(final Exchange ex, final int status, final JsonNode body) throws IOException {
        ex.send(status, "application/json", RecordJson.mapper().writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.close();
    }
}
