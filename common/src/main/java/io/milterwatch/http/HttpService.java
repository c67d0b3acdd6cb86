package io.milterwatch.http;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of every role (the worker's metrics and health, the processor's query API,
 * dashboard, event streams, metrics and health), on Jetty's non-blocking connector:
 * <ul>
 *   <li>a connection being read holds no thread (a client that never finishes its headers costs a
 *       socket and at most {@link Options#requestHeaderBytes} of buffer, and is closed after
 *       {@link Options#idleTimeout} of silence);</li>
 *   <li>{@link Kind#API} handlers share a bounded budget ({@link Options#maxApiRequests} at once, then 503),
 *       so slow API calls can never take the threads that {@link Kind#ESSENTIAL} routes (health) need;</li>
 *   <li>event streams ({@link #stream}) hold no thread either, and have a budget of their own
 *       ({@link Options#maxStreams}, then 503);</li>
 *   <li>the {@code Host} header is checked ({@link HostCheck}) before anything else: 421 when it does
 *       not name this server.</li>
 * </ul>
 * Routes match by path prefix, the longest first, as the JDK server's contexts did.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** How a route is served. */
    public enum Kind {
        /** Answered whatever the API's load: health, and what costs nothing (static assets). */
        ESSENTIAL,
        /** Within the API budget. */
        API
    }

    /** A handler that answers one request through {@link Exchange#send}. */
    @FunctionalInterface
    public interface Route {
        void handle(Exchange exchange) throws IOException;
    }

    /** A gate before a route (a token check): true to go on; false after it has answered (say 401) itself. */
    @FunctionalInterface
    public interface Access {
        boolean admit(Exchange exchange);

        Access OPEN = ex -> true;
    }

    /** Opens an event stream: called once headers are sent; keeps the stream, and writes to it later, from any thread. */
    @FunctionalInterface
    public interface StreamRoute {
        void open(Exchange request, EventStream stream);
    }

    /**
     * @param host address to bind
     * @param port port, 0 for a free one
     * @param hostNames names this server is reachable by besides localhost and IP literals (configured and
     *                  advertised hosts, extra names; {@code *} for any), see {@link HostCheck}
     * @param hostNamesSetting the setting that adds names, named in the 421 answer
     * @param idleTimeout a connection silent this long is closed (headers never finished included)
     * @param requestHeaderBytes the largest request head accepted (431 above)
     * @param maxApiRequests API requests served at once; more get 503
     * @param maxStreams event streams open at once; more get 503
     * @param threadName prefix of the server's thread names
     */
    public record Options(String host, int port, Collection<String> hostNames, String hostNamesSetting, Duration idleTimeout,
            int requestHeaderBytes, int maxApiRequests, int maxStreams, String threadName) {

        public static Options defaults(final String host, final int port, final Collection<String> hostNames, final String hostNamesSetting,
                final String threadName) {
            return new Options(host, port, hostNames, hostNamesSetting, Duration.ofSeconds(30), 8 * 1024, 16, 32, threadName);
        }

        public Options withBudgets(final int api, final int streams) {
            return new Options(host, port, hostNames, hostNamesSetting, idleTimeout, requestHeaderBytes, api, streams, threadName);
        }

        public Options withIdleTimeout(final Duration timeout) {
            return new Options(host, port, hostNames, hostNamesSetting, timeout, requestHeaderBytes, maxApiRequests, maxStreams, threadName);
        }
    }

    private record Registered(String prefix, Kind kind, Access access, Route route, StreamRoute stream) {
    }

    private final Options options;
    private final Server server;
    private final ServerConnector connector;
    private final HostCheck hosts;
    private final Semaphore api;
    private final Semaphore streams;
    private final List<Registered> routes = new ArrayList<>();
    private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;
    private volatile List<Registered> sorted = List.of();

    /** Binds at once (so that a port in use is known before start): {@link BindException} naming host and port. */
    public HttpService(final Options options) throws IOException {
        this.options = options;
        this.hosts = new HostCheck(options.hostNames());
        this.api = new Semaphore(options.maxApiRequests());
        this.streams = new Semaphore(options.maxStreams());
        final QueuedThreadPool threads = new QueuedThreadPool(options.maxApiRequests() + 16, 4);
        threads.setName(options.threadName());
        threads.setDaemon(true);
        this.server = new Server(threads);
        final HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(options.requestHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(options.idleTimeout().toMillis());
        server.addConnector(connector);
        server.setHandler(new Dispatch());
        server.setStopTimeout(1000);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, options.threadName() + "-keepalive");
            t.setDaemon(true);
            return t;
        });
        try {
            connector.open();
        } catch (final IOException e) {
            final BindException bind = new BindException(options.host() + ":" + options.port() + ": " + e.getMessage());
            bind.initCause(e);
            throw bind;
        }
    }

    /** Serves {@code route} under {@code prefix}. */
    public HttpService route(final String prefix, final Kind kind, final Access access, final Route route) {
        add(new Registered(prefix, kind, access, route, null));
        return this;
    }

    /**
     * Serves an event stream under {@code prefix} (within the stream budget), with a comment every
     * {@code keepAlive} so that idle streams stay open and gone clients are noticed.
     */
    public HttpService stream(final String prefix, final Access access, final StreamRoute route) {
        add(new Registered(prefix, Kind.API, access, null, route));
        return this;
    }

    private synchronized void add(final Registered r) {
        routes.removeIf(x -> x.prefix().equals(r.prefix()));
        routes.add(r);
        final List<Registered> s = new ArrayList<>(routes);
        s.sort(Comparator.comparingInt((Registered x) -> x.prefix().length()).reversed());
        sorted = List.copyOf(s);
    }

    public HttpService start() throws IOException {
        try {
            server.start();
        } catch (final IOException e) {
            throw e;
        } catch (final Exception e) {
            throw new IOException("HTTP server on " + options.host() + ":" + port() + " did not start: " + e.getMessage(), e);
        }
        final long keepAlive = Math.max(1000, options.idleTimeout().toMillis() / 3);
        ticker.scheduleAtFixedRate(() -> open.forEach(s -> s.offer(": keep-alive\n\n")), keepAlive, keepAlive, TimeUnit.MILLISECONDS);
        return this;
    }

    public String host() {
        return options.host();
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Event streams open now. */
    public int openStreams() {
        return open.size();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        open.forEach(EventStream::close);
        try {
            server.stop();
        } catch (final Exception e) {
            LOG.warn("stopping the HTTP server on {}:{}: {}", options.host(), port(), e.toString());
        }
    }

    private final class Dispatch extends Handler.Abstract {

        @Override
        public boolean handle(final Request request, final Response response, final Callback callback) {
            final Exchange ex = new Exchange(request, response, callback);
            try {
                dispatch(ex);
            } catch (final IOException | RuntimeException e) {
                LOG.warn("{} {} failed: {}", ex.method(), ex.rawPath(), e.toString());
                if (!ex.isSent() && !response.isCommitted()) {
                    ex.send(500, "application/json", json("internal error: " + e.getClass().getSimpleName()));
                } else if (!ex.isSent()) {
                    callback.failed(e);
                }
            }
            return true;
        }

        private void dispatch(final Exchange ex) throws IOException {
            final String host = ex.header("Host");
            if (!hosts.allows(host)) {
                ex.send(421, "application/json", json("Host '" + HostCheck.hostOf(host) + "' is not a name this server is reachable by "
                        + "(a guard against DNS rebinding); if it is, add it to " + options.hostNamesSetting()));
                return;
            }
            final String path = ex.path();
            Registered match = null;
            for (final Registered r : sorted) {
                if (path.startsWith(r.prefix())) {
                    match = r;
                    break;
                }
            }
            if (match == null) {
                ex.send(404, "application/json", json("no such endpoint: " + path));
                return;
            }
            if (!match.access().admit(ex)) {
                if (!ex.isSent()) {
                    ex.send(403, "application/json", json("forbidden"));
                }
                return;
            }
            if (match.stream() != null) {
                openStream(ex, match.stream());
                return;
            }
            if (match.kind() == Kind.ESSENTIAL) {
                answer(ex, match.route());
                return;
            }
            if (!api.tryAcquire()) {
                ex.setHeader("Retry-After", "1");
                ex.send(503, "application/json", json("busy: " + options.maxApiRequests() + " API requests are being served; retry"));
                return;
            }
            try {
                answer(ex, match.route());
            } finally {
                api.release();
            }
        }

        private void answer(final Exchange ex, final Route route) throws IOException {
            route.handle(ex);
            if (!ex.isSent()) {
                ex.send(500, "application/json", json("the handler of " + ex.rawPath() + " gave no answer"));
            }
        }

        private void openStream(final Exchange ex, final StreamRoute route) {
            if (!streams.tryAcquire()) {
                ex.setHeader("Retry-After", "5");
                ex.send(503, "application/json", json("too many event streams open (" + options.maxStreams() + "); retry later"));
                return;
            }
            final Response response = ex.response();
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "text/event-stream; charset=utf-8");
            response.getHeaders().put("Cache-Control", "no-cache");
            final EventStream stream = new EventStream(response, ex.callback(), 1000);
            open.add(stream);
            stream.onClose(() -> {
                open.remove(stream);
                streams.release();
            });
            route.open(ex, stream);
        }
    }

    /** {"error": message} */
    public static byte[] json(final String message) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(java.util.Map.of("error", message));
        } catch (final com.fasterxml.jackson.core.JsonProcessingException e) {
            return ("{\"error\":\"" + e.getClass().getSimpleName() + "\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
