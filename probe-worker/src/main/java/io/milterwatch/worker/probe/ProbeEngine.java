package io.milterwatch.worker.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.net.Cidr;
import io.milterwatch.worker.target.TargetCheck;
import io.milterwatch.worker.target.TargetHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the probes of requests: expands the host (a CIDR range up to a size limit, an address
 * literal, or a DNS name with every A and AAAA address), checks every address against the scope
 * (a range or a name with any address out of scope is refused whole), then hands one probe per
 * address and port to a non-blocking {@link Reactor}. One result per address and port; a target
 * that cannot be probed (bad host, resolution failure, out of scope) yields ERROR results with the
 * reason, never silence.
 *
 * <p>Which handshake goes first: on the AXIMilter ports (default 1981) the AXIMilter {@code PING};
 * elsewhere the Sendmail-milter version-6 offer, then version 2 only if the port was silent to it,
 * then AXIMilter. {@code PING} is never the first bytes a port not named as an AXIMilter port gets:
 * read as a milter frame its length field would be 1.3 GB, which Go and Java milters try to
 * allocate. Every port that stays silent has been asked in both protocols before it is called
 * OPEN_SILENT.
 */
public final class ProbeEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeEngine.class);

    private static final List<Handshake> AXIMILTER_FIRST = List.of(Handshake.AXIMILTER, Handshake.MILTER_V6, Handshake.MILTER_V2);
    private static final List<Handshake> MILTER_FIRST = List.of(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);

    private final EngineConfig config;
    private final String vantage;
    private final Zone zone;
    private final Reactor[] reactors;
    private final ExecutorService resolver;
    private final Resolver names;
    private volatile boolean closed;

    /** Name resolution, the system's by default; tests give their own. */
    @FunctionalInterface
    interface Resolver {
        List<InetAddress> resolve(String name) throws UnknownHostException;
    }

    public ProbeEngine(final EngineConfig config, final String vantage, final Zone zone) {
        this(config, vantage, zone, name -> List.of(InetAddress.getAllByName(name)));
    }

    ProbeEngine(final EngineConfig config, final String vantage, final Zone zone, final Resolver names) {
        this.config = config;
        this.names = names;
        this.vantage = vantage;
        this.zone = zone;
        try {
            final Reactor.Shared shared = new Reactor.Shared();
            this.reactors = new Reactor[config.reactors()];
            for (int i = 0; i < reactors.length; i++) {
                reactors[i] = new Reactor(config, "probe-reactor-" + vantage + (reactors.length == 1 ? "" : "-" + (i + 1)), shared);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot open the probe engine's transport (" + config.transport() + ")", e);
        }
        LOG.info("probe engine '{}': {} reactor thread(s) on {}, {} probes in flight at most, {} per address, {} starts/s per address, connect {} ms,"
                + " reply {} ms per stage, {} bytes read per connection at most, AXIMilter first on {}, scope {}", vantage,
                reactors.length, reactors[0].transportName(), config.maxInFlight(), config.hostConcurrency(), config.hostRatePerSecond(), config.timeouts().connectMs(),
                config.timeouts().replyMs(), config.maxReplyBytes(), config.aximilterFirstPorts(), config.scope());
        if (config.transport() == TransportKind.AUTO && "nio".equals(reactors[0].transportName())) {
            LOG.info("probe engine '{}': Netty's native epoll does not load here ({}); the probes run on Java NIO", vantage,
                    EpollTransport.unavailableReason());
        }
        final AtomicInteger n = new AtomicInteger();
        this.resolver = Executors.newFixedThreadPool(4, r -> {
            final Thread t = new Thread(r, "probe-resolver-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Probes a deadline timer still holds, over all reactors: the probes in flight, never a finished one. */
    int heldTimers() {
        int n = 0;
        for (final Reactor r : reactors) {
            n += r.heldTimers();
        }
        return n;
    }

    /** The socket layer the engine's reactors run on: epoll or nio. */
    public String transport() {
        return reactors[0].transportName();
    }

    public EngineConfig config() {
        return config;
    }

    /** Probes currently holding a connection slot. */
    public int inFlight() {
        int n = 0;
        for (final Reactor r : reactors) {
            n += r.inFlight();
        }
        return n;
    }

    /** Most sockets held open at once since the engine started. */
    public int peakOpenSockets() {
        return reactors[0].peakOpenSockets();
    }

    /** Most probes in flight at once against one address since the engine started. */
    public int peakHostActive() {
        int n = 0;
        for (final Reactor r : reactors) {
            n = Math.max(n, r.peakHostActive());
        }
        return n;
    }

    /** Addresses the engine keeps per-address limit state for (updated about once a second). */
    public int trackedAddresses() {
        int n = 0;
        for (final Reactor r : reactors) {
            n += r.trackedHosts();
        }
        return n;
    }

    /** Probes waiting for a slot (global, per-address or rate limit). */
    public int queued() {
        int n = 0;
        for (final Reactor r : reactors) {
            n += r.queued();
        }
        return n;
    }

    /** Starts every probe of the request; the future completes when all are done. */
    public CompletableFuture<List<ProbeResult>> probe(final ProbeRequest request) {
        final long at = System.currentTimeMillis();
        final List<Integer> ports = portsOf(request);
        final TargetHost host;
        try {
            host = TargetHost.parse(request.getHost());
        } catch (final IllegalArgumentException e) {
            return CompletableFuture.completedFuture(errors(request, ports, "bad target: " + e.getMessage()));
        }
        if (host instanceof TargetHost.Range range) {
            final String problem = rangeProblem(range.cidr(), ports.size());
            if (problem != null) {
                return CompletableFuture.completedFuture(errors(request, ports, problem));
            }
            return probeAll(request, range.cidr().addresses(config.cidrMaxAddresses()), ports, at);
        }
        if (host instanceof TargetHost.Literal literal) {
            return probeAll(request, List.of(literal.address()), ports, at);
        }
        final String name = ((TargetHost.Name) host).name();
        final String nameProblem = config.scope().checkName(name);
        if (nameProblem != null) {
            return CompletableFuture.completedFuture(errors(request, ports, nameProblem));
        }
        return CompletableFuture.supplyAsync(() -> resolve(name), resolver).thenCompose(addresses -> {
            if (addresses == null || addresses.isEmpty()) {
                return CompletableFuture.completedFuture(errors(request, ports, "cannot resolve host '" + name
                        + "': no A or AAAA record (or the resolver failed)"));
            }
            final List<ProbeResult> refused = refusedName(request, name, addresses, ports, at);
            return refused != null ? CompletableFuture.completedFuture(refused) : probeAll(request, addresses, ports, at);
        });
    }

    /**
     * A name is probed only when every address it resolves to is in scope. One refused address
     * (a cloud metadata or link-local address, say) refuses the whole name, so that none of its
     * addresses is connected to: a name that points at 169.254.169.254 beside an innocent address
     * is no target, whatever the innocent address is. Each address gets an ERROR result saying why.
     *
     * @return null when every address is in scope
     */
    private List<ProbeResult> refusedName(final ProbeRequest request, final String name, final List<InetAddress> addresses,
            final List<Integer> ports, final long at) {
        final List<String> problems = new ArrayList<>(addresses.size());
        String first = null;
        for (final InetAddress address : addresses) {
            final String problem = config.scope().check(address);
            problems.add(problem);
            if (first == null && problem != null) {
                first = "name '" + name + "' resolves to " + Endpoints.canonical(address) + ": " + problem;
            }
        }
        if (first == null) {
            return null;
        }
        // Every re-probe of such a target is refused again: its results say why, the summary line counts them.
        LOG.debug("refused target '{}' (request {}): {}", request.getTargetId(), request.getRequestId(), first);
        final List<ProbeResult> out = new ArrayList<>(addresses.size() * ports.size());
        for (int i = 0; i < addresses.size(); i++) {
            final String ip = Endpoints.canonical(addresses.get(i));
            final String reason = problems.get(i) != null ? "name '" + name + "' resolves to " + ip + ": " + problems.get(i)
                    : "not probed: " + first + "; a name is probed only when every address it resolves to is in scope";
            for (final int port : ports) {
                out.add(result(request, ip, port, ProbeOutcome.error(reason), at));
            }
        }
        return out;
    }

    private String rangeProblem(final Cidr cidr, final int portCount) {
        final String problem = TargetCheck.rangeProblem(cidr, portCount, config);
        return problem == null || problem.startsWith("out of scope") ? problem : "bad target: " + problem;
    }

    private List<InetAddress> resolve(final String name) {
        try {
            return names.resolve(name);
        } catch (final UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private CompletableFuture<List<ProbeResult>> probeAll(final ProbeRequest request, final List<InetAddress> addresses,
            final List<Integer> ports, final long at) {
        final List<CompletableFuture<ProbeResult>> futures = new ArrayList<>(addresses.size() * ports.size());
        for (final InetAddress address : addresses) {
            final String problem = config.scope().check(address);
            for (final int port : ports) {
                if (problem != null) {
                    futures.add(CompletableFuture.completedFuture(result(request, Endpoints.canonical(address), port,
                            ProbeOutcome.error(problem), at)));
                } else {
                    futures.add(probe(new InetSocketAddress(address, port))
                            .thenApply(o -> result(request, Endpoints.canonical(address), port, o, at)));
                }
            }
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Probes one address and port, scope checked. Never completes exceptionally: a refusal, a
     * timeout or a local failure is an outcome.
     */
    public CompletableFuture<ProbeOutcome> probe(final InetSocketAddress address) {
        if (address.isUnresolved()) {
            return CompletableFuture.completedFuture(ProbeOutcome.error("address " + address + " is not resolved"));
        }
        final String problem = config.scope().check(address.getAddress());
        if (problem != null) {
            return CompletableFuture.completedFuture(ProbeOutcome.error(problem));
        }
        if (closed) {
            return CompletableFuture.completedFuture(ProbeOutcome.error("probe engine is closed"));
        }
        final CompletableFuture<ProbeOutcome> future = new CompletableFuture<>();
        final List<Handshake> plan = config.aximilterFirstPorts().contains(address.getPort()) ? AXIMILTER_FIRST : MILTER_FIRST;
        // Each address belongs to one reactor, so its concurrency and rate limits are kept in one place.
        reactors[Math.floorMod(address.getAddress().hashCode(), reactors.length)].submit(new Session(address, plan, future::complete));
        return future;
    }

    private List<ProbeResult> errors(final ProbeRequest request, final List<Integer> ports, final String reason) {
        final List<ProbeResult> out = new ArrayList<>();
        if (!request.getPortRanges().isEmpty()) {
            // A refused sweep: one result says why, not one per port of the range.
            out.add(refused(request, ports.get(0), reason + " (sweep of " + ports.size() + " ports not run)"));
            return out;
        }
        for (final int port : ports) {
            out.add(refused(request, port, reason));
        }
        return out;
    }

    /** A result for a request that is never probed (expired, refused), so that nothing is silent. */
    public ProbeResult refused(final ProbeRequest request, final int port, final String reason) {
        return result(request, "", port, ProbeOutcome.error(reason), System.currentTimeMillis());
    }

    /** The ports a request names (its ranges expanded), or the default milter ports when it names none. */
    public List<Integer> portsOf(final ProbeRequest request) {
        return TargetCheck.ports(request.getPorts(), request.getPortRanges(), config.defaultPorts());
    }

    private ProbeResult result(final ProbeRequest request, final String ip, final int port, final ProbeOutcome o, final long at) {
        return ProbeResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setTargetId(request.getTargetId())
                .setHost(request.getHost())
                .setIp(ip)
                .setPort(port)
                .setVantage(vantage)
                .setZone(zone)
                .setAllowedZones(request.getAllowedZones())
                .setLabels(request.getLabels())
                .setOutcome(o.outcome())
                .setMilter(o.milter())
                .setProduct(o.product())
                .setProductReason(o.productReason())
                .setBanner(o.banner())
                .setError(o.detail())
                .setConnectMs(o.connectMs())
                .setFirstByteMs(o.firstByteMs())
                .setTotalMs(o.totalMs())
                .setProbedAtMs(at)
                .setHandshakes(o.handshakes().stream().map(Enum::name).toList())
                .setAximilterReply(o.aximilterReply())
                .setBytesSent(o.bytesSent())
                .setBytesRead(o.bytesRead())
                .setSweep(!request.getPortRanges().isEmpty())
                .build();
    }

    /** Aborts what is still in flight (each gets an ERROR outcome) and stops the reactor. */
    @Override
    public void close() {
        closed = true;
        for (final Reactor r : reactors) {
            r.close();
        }
        resolver.shutdownNow();
    }
}
