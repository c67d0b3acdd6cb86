package io.milterwatch.worker.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.milterwatch.schema.Outcome;
import io.milterwatch.worker.probe.HandshakeClassifier.End;
import io.milterwatch.worker.probe.HandshakeClassifier.Step;
import io.milterwatch.worker.probe.HandshakeClassifier.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread (over a {@link Transport}: epoll or NIO) that runs every probe of an engine
 * as a state machine per connection: no thread per probe, no blocking call. It only moves bytes
 * and timers: {@link ProbeScheduler} decides when a probe starts and when a stage times out,
 * {@link HandshakeClassifier} decides what a reply means and what to send next, and the transport
 * says what a failed socket call means ({@link ErrnoClass}).
 *
 * <p>Memory: a session holds a read buffer that starts at 256 bytes and grows to at most
 * {@code maxReplyBytes}; requests are shared read-only frames.
 */
final class Reactor implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reactor.class);
    private static final int INITIAL_BUFFER = 256;

    private final EngineConfig config;
    private final HandshakeClassifier.Limits limits;
    private final Transport transport;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Session> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Shared shared;
    private final ProbeScheduler scheduler;
    private final ProbeScheduler.Expiry expiry = new ProbeScheduler.Expiry() {
        @Override
        public void connectExpired(final Session s) {
            finish(s, s.decision.connectTimedOut());
        }

        @Override
        public void replyExpired(final Session s) {
            ended(s, s.inLen == 0 ? End.SILENT : End.SILENT_PARTIAL);
        }
    };
    private volatile boolean closing;

    /**
     * What the reactors of one engine share: the global in-flight limit (each reactor owns a share
     * of the addresses, so per-address limits stay exact) and the socket counts.
     */
    static final class Shared {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger openSockets = new AtomicInteger();
        final AtomicInteger peakOpenSockets = new AtomicInteger();
        final List<Reactor> reactors = new CopyOnWriteArrayList<>();

        /** Takes one global slot if the limit allows. */
        boolean tryAcquire(final int limit) {
            int n;
            do {
                n = inFlight.get();
                if (n >= limit) {
                    return false;
                }
            } while (!inFlight.compareAndSet(n, n + 1));
            return true;
        }

        /** Frees a global slot; when the limit was reached, the other reactors may be waiting for it. */
        void release(final int limit, final Reactor self) {
            if (inFlight.getAndDecrement() >= limit && reactors.size() > 1) {
                for (final Reactor r : reactors) {
                    if (r != self) {
                        r.wake();
                    }
                }
            }
        }
    }

    Reactor(final EngineConfig config, final String name) throws IOException {
        this(config, name, new Shared());
    }

    Reactor(final EngineConfig config, final String name, final Shared shared) throws IOException {
        this.config = config;
        this.limits = HandshakeClassifier.Limits.of(config);
        this.shared = shared;
        this.scheduler = new ProbeScheduler(config, shared);
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
        this.transport = Transport.of(config.transport(), thread);
        shared.reactors.add(this);
        thread.start();
    }

    void submit(final Session session) {
        scheduler.submitted();
        submitted.add(session);
        wake();
    }

    private void wake() {
        if (wakeupPending.compareAndSet(false, true)) {
            transport.wakeup();
        }
    }

    /** Asked by the transport right before it would block: new work or a close came in. */
    private boolean mustStayAwake() {
        return closing || wakeupPending.get() || !submitted.isEmpty();
    }

    /** The socket layer this reactor runs on: epoll or nio. */
    String transportName() {
        return transport.name();
    }

    int inFlight() {
        return scheduler.inFlight();
    }

    int queued() {
        return scheduler.queued();
    }

    /** Most sockets the engine's reactors held open at once since they started. */
    int peakOpenSockets() {
        return shared.peakOpenSockets.get();
    }

    /** Most probes in flight at once against a single address since the reactor started. */
    int peakHostActive() {
        return scheduler.peakHostActive();
    }

    /** Addresses the reactor keeps limit state for, as of its last sweep. */
    int trackedHosts() {
        return scheduler.trackedHosts();
    }

    /** Probes a timer still holds: those in flight; a finished probe is held by none. */
    int heldTimers() {
        return scheduler.heldTimers();
    }

    @Override
    public void run() {
        try {
            while (!closing) {
                final long now = System.nanoTime();
                takeSubmitted();
                scheduler.dispatch(now, this::start);
                final long wait = scheduler.waitMillis(now);
                wakeupPending.set(false);
                transport.poll(submitted.isEmpty() ? wait : 0, this::mustStayAwake, this::handle);
                scheduler.expire(System.nanoTime(), expiry);
                scheduler.sweepIdleHosts(System.nanoTime());
            }
        } catch (final IOException | RuntimeException e) {
            LOG.error("probe reactor '{}' failed; aborting its probes", thread.getName(), e);
        } finally {
            abortAll("probe engine closed before this probe finished");
        }
    }

    private void takeSubmitted() {
        Session s;
        while ((s = submitted.poll()) != null) {
            scheduler.add(s);
        }
    }

    private void start(final Session s) {
        s.startNanos = System.nanoTime();
        s.decision = new HandshakeClassifier(s.address, s.plan, limits);
        connect(s, s.decision.start());
    }

    // --- one connection per handshake -------------------------------------------------------

    /** What the decision asked for next. */
    private void apply(final Session s, final Step step) {
        if (step instanceof Verdict v) {
            finish(s, v);
        } else if (step instanceof HandshakeClassifier.Connect c) {
            closeChannel(s);
            connect(s, c);
        } else if (step instanceof HandshakeClassifier.Send send) {
            s.resetBuffer();
            s.out = ByteBuffer.wrap(send.bytes());
            scheduler.enter(s, Session.Stage.EXCHANGING, System.nanoTime());
            try {
                write(s);
            } catch (final IOException e) {
                failedAfterConnect(s, e);
            }
        }
        // Wait: read on
    }

    private void connect(final Session s, final HandshakeClassifier.Connect attempt) {
        s.resetBuffer();
        s.attemptStartNanos = System.nanoTime();
        s.out = ByteBuffer.wrap(attempt.request());
        final InetAddress source = config.sourceAddress();
        final int written;
        try {
            s.connection = transport.open(s.address,
                    source != null && source.getClass() == s.address.getAddress().getClass() ? source : null, s);
            shared.peakOpenSockets.accumulateAndGet(shared.openSockets.incrementAndGet(), Math::max);
            written = s.connection.writeIfConnected(s.out);
        } catch (final IOException e) {
            if (s.connection != null && TransportException.classOf(e) == ErrnoClass.RESET) {
                // Connected, then the first write met a reset: the peer closed at once.
                connected(s);
                failedAfterConnect(s, e);
            } else {
                connectFailed(s, e);
            }
            return;
        }
        if (written < 0) {
            try {
                s.connection.interest(Transport.CONNECT);
            } catch (final IOException e) {
                connectFailed(s, e); // a local failure (epoll_ctl): ERROR, never a verdict on the target
                return;
            }
            scheduler.enter(s, Session.Stage.CONNECTING, s.attemptStartNanos);
            return;
        }
        if (metItself(s)) {
            return;
        }
        s.bytesSent += written;
        connected(s);
        try {
            afterWrite(s);
        } catch (final IOException e) {
            failedAfterConnect(s, e);
        }
    }

    /**
     * A connection to a loopback address that met itself (see {@link HandshakeClassifier#selfConnected()}):
     * closed, and the probe ends as nothing listening. Asked only for loopback targets (one
     * getsockname and one getpeername), where sweeps of the ephemeral port range meet it.
     */
    private boolean metItself(final Session s) {
        if (!s.address.getAddress().isLoopbackAddress()) {
            return false;
        }
        try {
            if (!s.connection.selfConnected()) {
                return false;
            }
        } catch (final IOException e) {
            return false; // cannot tell: the exchange goes on and judges what it reads
        }
        finish(s, s.decision.selfConnected());
        return true;
    }

    /** The connect is done: the reply deadline of the exchange starts. */
    private void connected(final Session s) {
        final long now = System.nanoTime();
        s.connectedNanos = now;
        if (s.decision.connected()) {
            s.connectMs = (now - s.startNanos) / 1_000_000L;
        }
        scheduler.enter(s, Session.Stage.EXCHANGING, now);
    }

    private void write(final Session s) throws IOException {
        s.bytesSent += s.connection.write(s.out);
        afterWrite(s);
    }

    private void afterWrite(final Session s) throws IOException {
        s.connection.interest(s.out.hasRemaining() ? Transport.WRITE : Transport.READ);
    }

    private void handle(final Session s, final Transport.Connection c, final int ops) {
        if (s.stage == Session.Stage.DONE || s.connection != c) {
            return; // an event of an earlier connection of this probe
        }
        try {
            if (ops == Transport.CONNECT) {
                if (s.stage != Session.Stage.CONNECTING) {
                    return;
                }
                try {
                    if (!c.finishConnect()) {
                        return;
                    }
                } catch (final IOException e) {
                    connectFailed(s, e);
                    return;
                }
                if (metItself(s)) {
                    return;
                }
                connected(s);
                write(s);
            } else if (ops == Transport.WRITE) {
                write(s);
            } else if (ops == Transport.READ) {
                read(s);
            }
        } catch (final IOException e) {
            failedAfterConnect(s, e);
        }
    }

    private void read(final Session s) throws IOException {
        if (s.inLen == s.in.length) {
            final int cap = config.maxReplyBytes();
            if (s.in.length >= cap) {
                ended(s, End.TOO_LONG);
                return;
            }
            s.in = java.util.Arrays.copyOf(s.in, Math.min(cap, Math.max(INITIAL_BUFFER, s.in.length * 2)));
        }
        final int n = s.connection.read(s.in, s.inLen, s.in.length - s.inLen);
        if (n < 0) {
            ended(s, s.inLen == 0 ? End.CLOSED_EMPTY : End.CLOSED_PARTIAL);
            return;
        }
        if (n == 0) {
            return;
        }
        if (s.firstByteMs == null) {
            s.firstByteMs = (System.nanoTime() - s.connectedNanos) / 1_000_000L;
        }
        s.bytesRead += n;
        s.inLen += n;
        apply(s, s.decision.reply(s.in, s.inLen));
    }

    private void ended(final Session s, final End end) {
        apply(s, s.decision.ended(end, s.in, s.inLen));
    }

    private void connectFailed(final Session s, final IOException e) {
        finish(s, s.decision.connectFailed(TransportException.classOf(e),
                e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    private void failedAfterConnect(final Session s, final IOException e) {
        LOG.debug("{} {}: {}", s.address, s.decision.current(), e.toString());
        ended(s, s.inLen == 0 ? End.RESET_EMPTY : End.RESET_PARTIAL);
    }

    /** Ends the probe with its verdict: a farewell written last if the verdict has one, the connection closed, the slots freed. */
    private void finish(final Session s, final Verdict v) {
        if (s.stage == Session.Stage.DONE) {
            return;
        }
        if (v.farewell() != null && s.connection != null) {
            try {
                s.bytesSent += s.connection.writeLast(ByteBuffer.wrap(v.farewell()));
            } catch (final IOException e) {
                // the peer may already have closed; the verdict stands
            }
        }
        closeChannel(s);
        s.stage = Session.Stage.DONE;
        s.in = null;
        scheduler.finished(s);
        shared.release(config.maxInFlight(), this);
        final ProbeOutcome o = new ProbeOutcome(v.outcome(), v.milter(), v.product(), v.productReason(), v.banner(), v.detail(),
                s.connectMs, s.firstByteMs, s.elapsedMs(), s.tried(), v.aximilterReply(), s.bytesSent, s.bytesRead);
        try {
            s.callback.accept(o);
        } catch (final RuntimeException e) {
            LOG.error("probe result callback for {} failed", s.address, e);
        }
    }

    /** Closes the connection of the current attempt, if any: a plain close that sends the FIN. */
    private void closeChannel(final Session s) {
        final Transport.Connection c = s.connection;
        s.connection = null;
        s.out = null;
        if (c == null) {
            return;
        }
        shared.openSockets.decrementAndGet();
        c.close();
    }

    private void abortAll(final String reason) {
        final Verdict aborted = Verdict.of(Outcome.ERROR, reason);
        for (final Session s : scheduler.running()) {
            finish(s, aborted);
        }
        takeSubmitted();
        for (final Session s : scheduler.drainWaiting()) {
            // finish() releases a global slot: take one for a probe that never started.
            shared.inFlight.incrementAndGet();
            finish(s, aborted);
        }
        transport.close();
    }

    @Override
    public void close() {
        closing = true;
        transport.wakeup();
        try {
            thread.join(10_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
