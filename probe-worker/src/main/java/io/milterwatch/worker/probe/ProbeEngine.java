package io.milterwatch.worker.probe;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;

/**
 * Runs the probes of one request: resolves the host (every A and AAAA address), then probes every
 * address and port in parallel, at most {@code concurrency} at a time. One result per address and
 * port; a name that does not resolve yields one ERROR result per port, never silence.
 */
public final class ProbeEngine implements AutoCloseable {

    private final MilterProber prober;
    private final String vantage;
    private final Zone zone;
    private final List<Integer> defaultPorts;
    private final ExecutorService pool;

    public ProbeEngine(final MilterProber prober, final String vantage, final Zone zone, final List<Integer> defaultPorts,
            final int concurrency) {
        this.prober = prober;
        this.vantage = vantage;
        this.zone = zone;
        this.defaultPorts = List.copyOf(defaultPorts);
        final AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            final Thread t = new Thread(r, "probe-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    }

    /** Starts every probe of the request; the future completes when all are done. */
    public CompletableFuture<List<ProbeResult>> probe(final ProbeRequest request) {
        final long startedAt = System.currentTimeMillis();
        final List<Integer> ports = request.getPorts().isEmpty() ? defaultPorts : request.getPorts();
        final InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(request.getHost());
        } catch (final UnknownHostException | SecurityException e) {
            final List<ProbeResult> errors = new ArrayList<>();
            for (final int port : ports) {
                errors.add(result(request, "", port, new ProbeOutcome(Outcome.ERROR, null, null, null, null,
                        "cannot resolve host '" + request.getHost() + "': " + e.getMessage(), null, null,
                        System.currentTimeMillis() - startedAt), startedAt));
            }
            return CompletableFuture.completedFuture(errors);
        }
        final List<CompletableFuture<ProbeResult>> futures = new ArrayList<>();
        for (final InetAddress address : addresses) {
            for (final int port : ports) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    final long at = System.currentTimeMillis();
                    return result(request, Endpoints.canonical(address), port, prober.probe(new InetSocketAddress(address, port)), at);
                }, pool));
            }
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    /** A result for a request that is never probed (expired, refused), so that nothing is silent. */
    public ProbeResult refused(final ProbeRequest request, final int port, final String reason) {
        return result(request, "", port, new ProbeOutcome(Outcome.ERROR, null, null, null, null, reason, null, null, 0),
                System.currentTimeMillis());
    }

    public List<Integer> portsOf(final ProbeRequest request) {
        return request.getPorts().isEmpty() ? defaultPorts : request.getPorts();
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
                .build();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
