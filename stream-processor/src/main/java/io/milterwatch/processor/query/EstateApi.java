package io.milterwatch.processor.query;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;
import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.RemediationHint;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.processor.topology.MilterwatchTopology;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.PortRange;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import io.milterwatch.serde.RecordJson;
import org.apache.kafka.common.TopicPartition;
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
 * The API for large estates, behind the query API's token and {@code Host} checks:
 * <ul>
 *   <li>{@code GET /api/summary}: endpoints per state, endpoints, targets and failing targets, from the
 *       counters every instance keeps (no store is read), summed over the instances; an instance
 *       that does not answer is named in {@code unavailable}; {@code undecodableStoreValues} counts
 *       stored values the instances sent to the DLQ as undecodable (the dashboard shows it as degraded);</li>
 *   <li>{@code GET /api/state?limit=N&cursor=C&state=S[,S...]&q=TEXT}: a page of ip:port states in key
 *       order, each with its remediation hint and latest alert;</li>
 *   <li>{@code GET /api/targets?failing=true&limit=N&cursor=C&q=TEXT}: a page of targets (failing ones
 *       only with {@code failing=true}) with their health.</li>
 * </ul>
 * A page is merged from every instance's own page: each instance ({@code ?local=true}) walks its
 * partitions of the store in key order after the cursor (a k-way merge of one iterator per
 * partition), keeps what matches, and stops after {@code limit} matches or after
 * {@link #SCAN_BUDGET} keys, saying up to which key its answer is complete. The asked instance
 * keeps the items up to the smallest such key, cuts at {@code limit} and returns the cursor of the
 * next page ({@code null} after the last). So a request reads at most about
 * {@code limit + SCAN_BUDGET} entries per instance however large the estate; a selective filter
 * may give a page shorter than {@code limit} (even empty) with a {@code next}: follow it.
 */
final class EstateApi {

    private static final Logger LOG = LoggerFactory.getLogger(EstateApi.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    /** Keys an instance reads at most for one page (beyond the matches it returns). */
    static final int SCAN_BUDGET = 100_000;
    static final int MAX_Q_CHARS = 200;
    static final int MAX_CURSOR_CHARS = 400;
    /** Parameters that make {@code /api/state} a paged request. */
    static final Set<String> PAGE_PARAMETERS = Set.of("limit", "cursor", "state", "q");

    private final KafkaStreams streams;
    private final AlertFeed alerts;
    private final HostInfo self;
    private final DashboardApi.Peers peers;
    private final ProcessorMetrics metrics;
    private final java.util.function.LongSupplier undecodableStoreValues;

    EstateApi(final KafkaStreams streams, final AlertFeed alerts, final HostInfo self, final DashboardApi.Peers peers,
            final ProcessorMetrics metrics, final java.util.function.LongSupplier undecodableStoreValues) {
        this.undecodableStoreValues = undecodableStoreValues;
        this.streams = streams;
        this.alerts = alerts;
        this.self = self;
        this.peers = peers;
        this.metrics = metrics;
    }

    void register(final HttpService server, final HttpService.Access auth) {
        server.route("/api/summary", HttpService.Kind.API, auth, this::summary);
        server.route("/api/targets", HttpService.Kind.API, auth, this::targets);
    }

    /** True when {@code /api/state} was asked for a page rather than for every state. */
    static boolean paged(final Exchange ex) {
        final String raw = ex.rawQuery();
        if (raw == null) {
            return false;
        }
        for (final String pair : raw.split("&")) {
            final int eq = pair.indexOf('=');
            if (PAGE_PARAMETERS.contains(eq < 0 ? pair : pair.substring(0, eq))) {
                return true;
            }
        }
        return false;
    }

    // ---- /api/summary

    private void summary(final Exchange ex) throws IOException {
        if (!get(ex) || !exact(ex, "/api/summary")) {
            return;
        }
        if (metrics == null) {
            send(ex, 503, error("this instance keeps no counters (query server started without the processor's metrics)"));
            return;
        }
        final ObjectNode local = localSummary();
        if (local(ex)) {
            send(ex, 200, local);
            return;
        }
        final long[] byState = new long[Exposure.values().length];
        long targets = 0;
        long failing = 0;
        long undecodable = 0;
        final ArrayNode unavailable = NODES.arrayNode();
        final List<JsonNode> parts = new ArrayList<>();
        parts.add(local);
        for (final HostInfo other : others()) {
            try {
                final JsonNode remote = peers.fetch(other, "/api/summary?local=true");
                if (!remote.has("byState")) {
                    throw new IOException("answered " + remote.path("error").asText("without counts"));
                }
                parts.add(remote);
            } catch (final IOException e) {
                LOG.warn("summary: instance {} did not answer: {}", other, e.getMessage());
                unavailable.add(other.host() + ":" + other.port() + ": " + e.getMessage());
            }
        }
        for (final JsonNode part : parts) {
            for (final Exposure state : Exposure.values()) {
                byState[state.ordinal()] += part.path("byState").path(state.name()).asLong();
            }
            targets += part.path("targets").asLong();
            failing += part.path("failingTargets").asLong();
            undecodable += part.path("undecodableStoreValues").asLong();
        }
        final ObjectNode body = NODES.objectNode();
        final ObjectNode states = body.putObject("byState");
        long endpoints = 0;
        for (final Exposure state : Exposure.values()) {
            states.put(state.name(), byState[state.ordinal()]);
            endpoints += byState[state.ordinal()];
        }
        body.put("endpoints", endpoints);
        body.put("targets", targets);
        body.put("failingTargets", failing);
        body.set("unavailable", unavailable);
        body.put("undecodableStoreValues", undecodable);
        body.put("instances", parts.size());
        body.put("generatedAtMs", System.currentTimeMillis());
        send(ex, 200, body);
    }

    private ObjectNode localSummary() {
        final ObjectNode body = NODES.objectNode();
        final ObjectNode states = body.putObject("byState");
        long endpoints = 0;
        for (final Exposure state : Exposure.values()) {
            final long n = metrics.endpoints(state);
            states.put(state.name(), n);
            endpoints += n;
        }
        body.put("endpoints", endpoints);
        body.put("targets", metrics.targets().targets());
        body.put("failingTargets", metrics.targets().failing());
        body.put("undecodableStoreValues", undecodableStoreValues.getAsLong());
        return body;
    }

    // ---- /api/state?limit=...

    /** Answers a paged {@code /api/state}. */
    void statePage(final Exchange ex) throws IOException {
        final Page page;
        final EnumSet<Exposure> states;
        try {
            page = Page.parse(ex);
            states = states(ex);
        } catch (final IllegalArgumentException e) {
            send(ex, 400, error(e.getMessage()));
            return;
        }
        final String q = page.q();
        final BiPredicate<String, ExposureState> match = (key, s) -> (states.isEmpty() || states.contains(s.getState()))
                && (q == null || matches(q, key, s));
        final BiFunction<String, ExposureState, ObjectNode> item = (key, s) -> {
            final ObjectNode node = RecordJson.toNode(s);
            node.put("remediation", RemediationHint.forState(s));
            final Alert last = alerts == null ? null : alerts.latest(key);
            node.set("lastAlert", last == null ? NODES.nullNode() : brief(last));
            return node;
        };
        answer(ex, page, MilterwatchTopology.EXPOSURE_STORE, match, item, "/api/state");
    }

    static boolean matches(final String q, final String key, final ExposureState s) {
        if (contains(key, q) || contains(s.getTargetId(), q) || contains(s.getProduct(), q)) {
            return true;
        }
        for (final Map.Entry<String, String> label : s.getLabels().entrySet()) {
            if (contains(label.getKey(), q) || contains(label.getValue(), q) || contains(label.getKey() + "=" + label.getValue(), q)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(final String text, final String lowerCaseNeedle) {
        return text != null && text.toLowerCase(Locale.ROOT).contains(lowerCaseNeedle);
    }

    /** {@code state=} once or more, each one state or several separated by commas; empty: every state. */
    static EnumSet<Exposure> states(final Exchange ex) {
        final EnumSet<Exposure> states = EnumSet.noneOf(Exposure.class);
        for (final String value : all(ex, "state")) {
            for (final String name : value.split(",")) {
                if (name.isBlank()) {
                    continue;
                }
                try {
                    states.add(Exposure.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("state: '" + abbreviate(name) + "' is not a state; one of "
                            + java.util.Arrays.toString(Exposure.values()));
                }
            }
        }
        return states;
    }

    // ---- /api/targets

    private void targets(final Exchange ex) throws IOException {
        if (!get(ex) || !exact(ex, "/api/targets")) {
            return;
        }
        final Page page;
        final boolean failingOnly;
        try {
            page = Page.parse(ex);
            final String failing = ex.query().get("failing");
            if (failing != null && !failing.equals("true") && !failing.equals("false")) {
                throw new IllegalArgumentException("failing: '" + abbreviate(failing) + "' is neither true nor false");
            }
            failingOnly = "true".equals(failing);
        } catch (final IllegalArgumentException e) {
            send(ex, 400, error(e.getMessage()));
            return;
        }
        final String q = page.q();
        final BiPredicate<String, TargetHealth> match = (id, h) -> q == null || contains(id, q) || contains(h.getHost(), q)
                || contains(h.getError(), q);
        final List<ReadOnlyKeyValueStore<String, Target>> registry = new ArrayList<>(1);
        final BiFunction<String, TargetHealth, ObjectNode> item = (id, h) -> targetItem(id, h, registry);
        answer(ex, page, failingOnly ? MilterwatchTopology.FAILING_TARGETS_STORE : MilterwatchTopology.TARGET_HEALTH_STORE, match,
                item, "/api/targets");
    }

    /** One target of a page; {@code registry} holds the registry store once asked for, for the page's other items. */
    private ObjectNode targetItem(final String id, final TargetHealth h, final List<ReadOnlyKeyValueStore<String, Target>> registry) {
        final ObjectNode node = NODES.objectNode();
        node.put("id", id);
        node.put("host", h.getHost());
        Target target = null;
        try {
            // The registry has the same partitions as the health stores (one sub-topology): one get by key.
            if (registry.isEmpty()) {
                registry.add(streams.store(StoreQueryParameters.fromNameAndType(MilterwatchTopology.REGISTRY_STORE,
                        QueryableStoreTypes.<String, Target>keyValueStore())));
            }
            target = registry.get(0).get(id);
            if (target == null) {
                StoreDeadLetters.discardPending();
            }
        } catch (final InvalidStateStoreException e) {
            LOG.debug("registry not readable for {}: {}", id, e.getMessage());
        }
        final ArrayNode ports = node.putArray("ports");
        final ArrayNode ranges = node.putArray("portRanges");
        if (target != null) {
            target.getPorts().forEach(ports::add);
            for (final PortRange r : target.getPortRanges()) {
                ranges.add(r.getFirst() + "-" + r.getLast());
            }
            final ObjectNode labels = node.putObject("labels");
            target.getLabels().forEach(labels::put);
            node.put("intervalSeconds", target.getIntervalSeconds());
        }
        if (h.getLastProbedAtMs() == null) {
            node.putNull("lastProbedAtMs");
        } else {
            node.put("lastProbedAtMs", h.getLastProbedAtMs());
        }
        node.put("error", h.getError());
        if (h.getFailingSinceMs() == null) {
            node.putNull("failingSinceMs");
        } else {
            node.put("failingSinceMs", h.getFailingSinceMs());
        }
        node.put("vantage", h.getVantage());
        return node;
    }

    // ---- paging, shared

    /** A page request: limit, the key after which it starts, the text filter (lower case). */
    record Page(int limit, String after, String q, boolean local) {

        static Page parse(final Exchange ex) {
            final Map<String, String> query = ex.query();
            int limit = DEFAULT_LIMIT;
            final String l = query.get("limit");
            if (l != null) {
                try {
                    limit = Integer.parseInt(l.trim());
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("limit: '" + abbreviate(l) + "' is not a number (1.." + MAX_LIMIT + ")");
                }
                if (limit < 1 || limit > MAX_LIMIT) {
                    throw new IllegalArgumentException("limit: " + limit + " is outside 1.." + MAX_LIMIT);
                }
            }
            final String cursor = query.get("cursor");
            String after = null;
            if (cursor != null && !cursor.isEmpty()) {
                after = decodeCursor(cursor);
            }
            String q = query.get("q");
            if (q != null) {
                if (q.length() > MAX_Q_CHARS) {
                    throw new IllegalArgumentException("q: " + q.length() + " characters; at most " + MAX_Q_CHARS);
                }
                q = q.isBlank() ? null : q.trim().toLowerCase(Locale.ROOT);
            }
            return new Page(limit, after, q, "true".equals(query.get("local")));
        }
    }

    static String encodeCursor(final String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(final String cursor) {
        if (cursor.length() > MAX_CURSOR_CHARS) {
            throw new IllegalArgumentException("cursor: " + cursor.length() + " characters; not a cursor this API returned");
        }
        try {
            final byte[] bytes = Base64.getUrlDecoder().decode(cursor);
            final String key = new String(bytes, StandardCharsets.UTF_8);
            if (key.isEmpty() || !java.util.Arrays.equals(key.getBytes(StandardCharsets.UTF_8), bytes)) {
                throw new IllegalArgumentException("not UTF-8");
            }
            return key;
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("cursor: '" + abbreviate(cursor) + "' is not a cursor this API returned (use the 'next' of a page)");
        }
    }

    /**
     * This instance's part of a page: up to {@code limit} matches after {@code page.after} in key order,
     * and {@code completeTo}, the key up to which it is complete ({@code null}: to the end).
     */
    private <V> ObjectNode localPage(final String storeName, final Page page, final BiPredicate<String, V> match,
            final BiFunction<String, V, ObjectNode> item) {
        final List<KeyValueIterator<String, V>> iterators = new ArrayList<>();
        final ArrayNode items = NODES.arrayNode();
        String completeTo = null;
        boolean complete = true;
        try {
            final PriorityQueue<Head<V>> heads = new PriorityQueue<>();
            for (final int partition : localPartitions(storeName)) {
                final KeyValueIterator<String, V> it;
                try {
                    it = streams.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.<String, V>keyValueStore())
                            .withPartition(partition)).range(page.after(), null);
                } catch (final InvalidStateStoreException e) {
                    // Not a partition of this store's tasks here (the metadata lists every partition of the
                    // instance), or migrating away, or not restored yet: answered by its owner, or briefly missing.
                    LOG.debug("{} partition {} not queryable here: {}", storeName, partition, e.getMessage());
                    continue;
                }
                iterators.add(it);
                Head.advance(heads, it);
            }
            int scanned = 0;
            String lastKey = null;
            while (!heads.isEmpty()) {
                final Head<V> head = heads.poll();
                Head.advance(heads, head.iterator());
                final String key = head.key();
                if (page.after() != null && key.compareTo(page.after()) <= 0) {
                    continue;
                }
                lastKey = key;
                if (head.value() == null) {
                    // Undecodable: claimed by the processor that owns the key when it next reads it.
                    StoreDeadLetters.discardPending();
                } else if (match.test(key, head.value())) {
                    if (items.size() == page.limit()) {
                        // One match more than asked: complete up to the last item.
                        completeTo = items.get(items.size() - 1).path("__key").asText();
                        complete = false;
                        break;
                    }
                    final ObjectNode node = item.apply(key, head.value());
                    node.put("__key", key);
                    items.add(node);
                }
                if (++scanned >= SCAN_BUDGET + page.limit() && !heads.isEmpty()) {
                    completeTo = lastKey;
                    complete = false;
                    break;
                }
            }
        } finally {
            iterators.forEach(KeyValueIterator::close);
        }
        final ObjectNode body = NODES.objectNode();
        body.set("items", items);
        body.put("complete", complete);
        body.put("completeTo", completeTo);
        return body;
    }

    /** The next entry of one partition's iterator, ordered by key. */
    private record Head<V>(String key, V value, KeyValueIterator<String, V> iterator) implements Comparable<Head<V>> {
        static <V> void advance(final PriorityQueue<Head<V>> heads, final KeyValueIterator<String, V> it) {
            if (it.hasNext()) {
                final var next = it.next();
                heads.add(new Head<>(next.key, next.value, it));
            }
        }

        @Override
        public int compareTo(final Head<V> o) {
            return key.compareTo(o.key);
        }
    }

    /** Partitions this instance runs active tasks of (of any sub-topology: the caller skips those without the store). */
    private Set<Integer> localPartitions(final String storeName) {
        final Set<Integer> partitions = new TreeSet<>();
        for (final StreamsMetadata m : streams.streamsMetadataForStore(storeName)) {
            if (m.hostInfo().equals(self)) {
                for (final TopicPartition tp : m.topicPartitions()) {
                    partitions.add(tp.partition());
                }
            }
        }
        return partitions;
    }

    /** Answers a page: this instance's own ({@code local=true}), or merged from every instance. */
    private <V> void answer(final Exchange ex, final Page page, final String storeName, final BiPredicate<String, V> match,
            final BiFunction<String, V, ObjectNode> item, final String path) throws IOException {
        final ObjectNode local;
        try {
            local = localPage(storeName, page, match, item);
        } catch (final InvalidStateStoreException e) {
            send(ex, 503, error("the state store is not ready (" + e.getMessage() + "); retry"));
            return;
        }
        if (page.local()) {
            send(ex, 200, local);
            return;
        }
        final List<JsonNode> parts = new ArrayList<>();
        parts.add(local);
        final ArrayNode unavailable = NODES.arrayNode();
        final String query = ex.rawQuery() == null ? "" : ex.rawQuery();
        for (final HostInfo other : others()) {
            try {
                final JsonNode remote = peers.fetch(other, path + "?" + query + "&local=true");
                if (!remote.has("items")) {
                    throw new IOException("answered " + remote.path("error").asText("without items"));
                }
                parts.add(remote);
            } catch (final IOException e) {
                LOG.warn("{}: instance {} did not answer: {}", path, other, e.getMessage());
                unavailable.add(other.host() + ":" + other.port() + ": " + e.getMessage());
            }
        }
        send(ex, 200, merge(parts, page.limit(), unavailable));
    }

    /** The page from the instances' parts: items up to the smallest key all parts are complete to, cut at {@code limit}. */
    static ObjectNode merge(final List<JsonNode> parts, final int limit, final ArrayNode unavailable) {
        String bound = null;
        final List<JsonNode> all = new ArrayList<>();
        for (final JsonNode part : parts) {
            if (!part.path("complete").asBoolean(true)) {
                final String to = part.path("completeTo").asText();
                if (bound == null || to.compareTo(bound) < 0) {
                    bound = to;
                }
            }
            part.path("items").forEach(all::add);
        }
        all.sort((a, b) -> a.path("__key").asText().compareTo(b.path("__key").asText()));
        final ArrayNode items = NODES.arrayNode();
        String next = null;
        for (final JsonNode node : all) {
            final String key = node.path("__key").asText();
            if (bound != null && key.compareTo(bound) > 0) {
                break;
            }
            if (items.size() == limit) {
                next = items.get(items.size() - 1).path("__key").asText();
                break;
            }
            items.add(node);
        }
        if (next == null && bound != null) {
            next = bound;
        }
        items.forEach(n -> ((ObjectNode) n).remove("__key"));
        final ObjectNode body = NODES.objectNode();
        body.set("items", items);
        body.put("next", next == null ? null : encodeCursor(next));
        body.set("unavailable", unavailable);
        return body;
    }

    private List<HostInfo> others() {
        final List<HostInfo> others = new ArrayList<>();
        for (final StreamsMetadata other : streams.metadataForAllStreamsClients()) {
            if (!other.hostInfo().equals(self)) {
                others.add(other.hostInfo());
            }
        }
        return others;
    }

    // ---- helpers

    private static List<String> all(final Exchange ex, final String name) {
        final List<String> values = new ArrayList<>();
        final String raw = ex.rawQuery();
        if (raw != null) {
            for (final String pair : raw.split("&")) {
                final int eq = pair.indexOf('=');
                if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                    values.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }

    private static boolean local(final Exchange ex) {
        return "true".equals(ex.query().get("local"));
    }

    private static boolean get(final Exchange ex) throws IOException {
        if (!"GET".equals(ex.method())) {
            send(ex, 405, error("use GET"));
            return false;
        }
        return true;
    }

    private static boolean exact(final Exchange ex, final String path) throws IOException {
        if (!ex.path().equals(path) && !ex.path().equals(path + "/")) {
            send(ex, 404, error("no such endpoint: " + ex.path()));
            return false;
        }
        return true;
    }

    private static String abbreviate(final String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    static ObjectNode brief(final Alert a) {
        return NODES.objectNode().put("alertId", a.getAlertId()).put("severity", a.getSeverity().name())
                .put("fromState", a.getFromState().name()).put("toState", a.getToState().name())
                .put("summary", a.getSummary()).put("createdAtMs", a.getCreatedAtMs());
    }

    private static ObjectNode error(final String message) {
        return NODES.objectNode().put("error", message);
    }

    private static void send(final Exchange ex, final int status, final JsonNode body) throws IOException {
        ex.setHeader("Cache-Control", "no-store");
        ex.send(status, "application/json", RecordJson.mapper().writeValueAsBytes(body));
    }
}
