package io.milterwatch.processor.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.milterwatch.processor.error.StoreDeadLetters;
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
 *   <li>{@code GET /api/state}: every ip:port, gathered from every instance of the application;</li>
 *   <li>{@code GET /api/state/IP:PORT}: one, answered by (or fetched from) the instance that owns it;</li>
 *   <li>{@code GET /api/alerts?limit=N}: recent alerts, newest last;</li>
 *   <li>{@code GET /api/transitions}: a server-sent-events stream, one {@code transition} event per alert
 *       (the token may also come as {@code ?access_token=}, for browsers' {@code EventSource});</li>
 *   <li>{@code GET /}: the live dashboard ({@link DashboardAssets}), with {@code /api/overview} and
 *       {@code /api/history/IP:PORT} ({@link DashboardApi}).</li>
 * </ul>
 * Instances find each other through Kafka Streams metadata ({@code application.server}). A token
 * ({@code processor.http.token}) can be required of every client.
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_CLIENTS = 64;

    private final KafkaStreams streams;
    private final AlertFeed alerts;
    private final HostInfo self;
    private final HttpServer server;
    private final ExecutorService pool;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile boolean closed;
    private final String token;
    private final BearerToken auth;

    /**
     * With a token configured, every request must carry {@code Authorization: Bearer TOKEN}
     * (compared in constant time); instances pass it on when they ask each other.
     */
    private static final class BearerToken extends com.sun.net.httpserver.Authenticator {
        private final byte[] expected;

        BearerToken(final String token) {
            this.expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Result authenticate(final HttpExchange ex) {
            if (expected == null) {
                return new Success(new com.sun.net.httpserver.HttpPrincipal("anonymous", "milterwatch"));
            }
            final String given = ex.getRequestHeaders().getFirst("Authorization");
            if (given != null && java.security.MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                return new Success(new com.sun.net.httpserver.HttpPrincipal("token", "milterwatch"));
            }
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"milterwatch\"");
            return new Failure(401);
        }
    }

    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token) throws IOException {
        this(streams, alerts, host, port, advertised, token, () -> 0);
    }

    /** @param undecodableStoreValues this instance's stored values sent to the DLQ as undecodable, for the dashboard */
    public QueryServer(final KafkaStreams streams, final AlertFeed alerts, final String host, final int port, final HostInfo advertised,
            final String token, final java.util.function.LongSupplier undecodableStoreValues) throws IOException {
        this.streams = streams;
        this.alerts = alerts;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        this.self = new HostInfo(advertised.host(), advertised.port() == 0 ? server.getAddress().getPort() : advertised.port());
        this.pool = new ThreadPoolExecutor(4, MAX_CLIENTS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            final Thread t = new Thread(r, "query-api");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        server.setExecutor(pool);
        this.token = token == null || token.isEmpty() ? null : token;
        this.auth = new BearerToken(this.token);
        server.createContext("/api/state", this::state).setAuthenticator(auth);
        server.createContext("/api/alerts", this::alerts).setAuthenticator(auth);
        server.createContext("/api/transitions", this::transitions).setAuthenticator(new QueryParameterToken(auth, this.token));
        new DashboardApi(streams, alerts, self, this::fetch, undecodableStoreValues).register(server, auth);
        server.createContext("/", new DashboardAssets());
    }

    /** Serves {@code handler} at {@code path}, behind the token when {@code tokenRule} (as the API) or open (health checks). */
    public void addEndpoint(final String path, final com.sun.net.httpserver.HttpHandler handler, final boolean tokenRule) {
        final com.sun.net.httpserver.HttpContext context = server.createContext(path, handler);
        if (tokenRule) {
            context.setAuthenticator(auth);
        }
    }

    public void start() {
        server.start();
        LOG.info("query API on http://{}:{}/api/state", server.getAddress().getHostString(), server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void state(final HttpExchange ex) throws IOException {
        try {
            final String path = ex.getRequestURI().getPath();
            final boolean localOnly = "true".equals(query(ex).get("local"));
            if (path.equals("/api/state") || path.equals("/api/state/")) {
                send(ex, 200, all(localOnly));
                return;
            }
            final String key = URLDecoder.decode(path.substring("/api/state/".length()), StandardCharsets.UTF_8);
            final KeyQueryMetadata meta = streams.queryMetadataForKey(MilterwatchTopology.EXPOSURE_STORE, key, Serdes.String().serializer());
            if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                send(ex, 503, error("the state store is not ready (rebalancing); retry"));
                return;
            }
            if (!localOnly && !meta.activeHost().equals(self)) {
                forward(ex, meta.activeHost(), "/api/state/" + key + "?local=true");
                return;
            }
            final ExposureState state = store().get(key);
            if (state == null) {
                StoreDeadLetters.discardPending();
                send(ex, 404, error("no state for '" + key + "' (not watched, or not probed yet)"));
            } else {
                send(ex, 200, RecordJson.toNode(state));
            }
        } catch (final org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            send(ex, 503, error("the state store is not ready (" + e.getMessage() + "); retry"));
        }
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

    private void alerts(final HttpExchange ex) throws IOException {
        int limit = 100;
        final String l = query(ex).get("limit");
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

    private void transitions(final HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        final BlockingQueue<Alert> queue = new ArrayBlockingQueue<>(1000);
        final Consumer<Alert> listener = a -> {
            if (!queue.offer(a)) {
                LOG.warn("SSE client too slow; an alert was not queued for it");
            }
        };
        alerts.addListener(listener);
        try (OutputStream out = ex.getResponseBody()) {
            // only now that the listener is registered: a browser counts the stream open on the headers
            ex.sendResponseHeaders(200, 0);
            out.write(": milterwatch transitions\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!closed) {
                final Alert a = queue.poll(15, TimeUnit.SECONDS);
                final String event = a == null ? ": keep-alive\n\n"
                        : "id: " + a.getAlertId() + "\nevent: transition\ndata: " + RecordJson.toJson(a) + "\n\n";
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (final IOException e) {
            // the client went away
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            alerts.removeListener(listener);
        }
    }

    private void forward(final HttpExchange ex, final HostInfo host, final String pathAndQuery) throws IOException {
        try {
            final HttpResponse<byte[]> r = http.send(request(host, pathAndQuery), HttpResponse.BodyHandlers.ofByteArray());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(r.statusCode(), r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, error("interrupted"));
        } catch (final IOException e) {
            send(ex, 502, error("instance " + host + " that owns this key did not answer: " + e.getMessage()));
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

    private static Map<String, String> query(final HttpExchange ex) {
        final Map<String, String> q = new TreeMap<>();
        final String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (final String pair : raw.split("&")) {
                final int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static ObjectNode error(final String message) {
        return NODES.objectNode().put("error", message);
    }

    private static void send(final HttpExchange ex, final int status, final JsonNode body) throws IOException {
        final byte[] bytes = RecordJson.mapper().writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        pool.shutdownNow();
    }
}
