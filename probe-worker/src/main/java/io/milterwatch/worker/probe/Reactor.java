package io.milterwatch.worker.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread (over a {@link Transport}: epoll or NIO) that runs every probe of an engine as a state machine per connection: no
 * thread per probe, no blocking call. Probes wait in per-address queues until the global in-flight
 * limit, the per-address concurrency limit and the per-address rate allow them to start.
 *
 * <p>Deadlines: every connection has a connect deadline and every handshake stage a reply deadline.
 * Both durations are fixed per engine, so deadlines are kept in two FIFO queues (in deadline order
 * by construction) and checked in O(1) per loop; a timer whose session moved on is stale and skipped.
 *
 * <p>Memory: a session holds a read buffer that starts at 256 bytes and grows to at most
 * {@code maxReplyBytes}; requests are shared read-only frames.
 */
final class Reactor implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reactor.class);
    private static final int INITIAL_BUFFER = 256;
    private static final byte[] OPTNEG_V6 = MilterProtocol.optnegV6();
    private static final byte[] OPTNEG_V2 = MilterProtocol.optnegV2();
    private static final byte[] PING = AxiMilterProtocol.ping();
    private static final byte[] ENVELOPE = AxiMilterProtocol.envelope();
    private static final byte[] QUIT = MilterProtocol.quit();

    private final EngineConfig config;
    private final Transport transport;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Session> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Shared shared;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger peakHostActive = new AtomicInteger();
    private volatile boolean closing;
    private long lastSweepNanos;

    private final Map<InetAddress, Host> hosts = new HashMap<>();
    private final AtomicInteger trackedHosts = new AtomicInteger();
    private final ArrayDeque<Host> ready = new ArrayDeque<>();
    private final PriorityQueue<Host> sleeping = new PriorityQueue<>((a, b) -> Long.compare(a.wakeNanos, b.wakeNanos));
    private final ArrayDeque<Timer> connectTimers = new ArrayDeque<>();
    private final ArrayDeque<Timer> replyTimers = new ArrayDeque<>();
    private final long connectNanos;
    private final long replyNanos;
    private final long rateIntervalNanos;

    /** Per-address queue and limits. */
    private static final class Host {
        final InetAddress address;
        final ArrayDeque<Session> waiting = new ArrayDeque<>();
        int active;
        long nextStartNanos;
        long wakeNanos;
        boolean listed;

        Host(final InetAddress address) {
            this.address = address;
        }
    }

    /**
     * A deadline of one stage of one probe. A probe holds one timer at a time: moving on or
     * finishing lets go of it (its session reference is cleared), so that a finished probe is not
     * kept in memory until its old deadline passes (at 20,000 probes a second and a 3 s reply
     * timeout, that was 60,000 dead sessions and long collector pauses).
     */
    static final class Timer {
        Session session;
        final int generation;
        final long deadline;

        Timer(final Session session, final int generation, final long deadline) {
            this.session = session;
            this.generation = generation;
            this.deadline = deadline;
        }
    }

    /** Timers that still hold a probe; written by the reactor thread only. */
    private volatile int heldTimers;

    /** Gives the probe a new deadline for its current stage, letting go of its previous one. */
    private void schedule(final ArrayDeque<Timer> queue, final Session s, final long deadline) {
        cancelTimer(s);
        final Timer t = new Timer(s, s.generation, deadline);
        s.timer = t;
        queue.add(t);
        heldTimers++;
    }

    private void cancelTimer(final Session s) {
        if (s.timer != null) {
            s.timer.session = null;
            s.timer = null;
            heldTimers--;
        }
    }

    /** Probes a timer still holds: those in flight; a finished probe is held by none. */
    int heldTimers() {
        return heldTimers;
    }

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
        this.shared = shared;
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
        this.transport = Transport.of(config.transport(), thread);
        shared.reactors.add(this);
        this.connectNanos = config.timeouts().connectMs() * 1_000_000L;
        this.replyNanos = config.timeouts().replyMs() * 1_000_000L;
        this.rateIntervalNanos = 1_000_000_000L / config.hostRatePerSecond();
        thread.start();
    }

    void submit(final Session session) {
        queued.incrementAndGet();
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
        return inFlight.get();
    }

    int queued() {
        return queued.get();
    }

    /** Most sockets the engine's reactors held open at once since they started. */
    int peakOpenSockets() {
        return shared.peakOpenSockets.get();
    }

    /** Most probes in flight at once against a single address since the reactor started. */
    int peakHostActive() {
        return peakHostActive.get();
    }

    @Override
    public void run() {
        try {
            while (!closing) {
                final long now = System.nanoTime();
                takeSubmitted();
                dispatch(now);
                final long wait = waitMillis(now);
                wakeupPending.set(false);
                transport.poll(submitted.isEmpty() ? wait : 0, this::mustStayAwake, this::handle);
                expire(System.nanoTime());
                sweepIdleHosts(System.nanoTime());
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
            final InetAddress a = s.address.getAddress();
            final Host h = hosts.computeIfAbsent(a, Host::new);
            h.waiting.add(s);
            if (!h.listed) {
                h.listed = true;
                ready.add(h);
            }
        }
    }

    /** Starts waiting probes while the limits allow, round-robin over addresses. */
    private void dispatch(final long now) {
        while (!sleeping.isEmpty() && sleeping.peek().wakeNanos <= now) {
            ready.add(sleeping.poll());
        }
        int rounds = ready.size();
        while (rounds-- > 0 && !ready.isEmpty() && shared.inFlight.get() < config.maxInFlight()) {
            final Host h = ready.poll();
            if (h.waiting.isEmpty()) {
                h.listed = false;
                forgetIfIdle(h);
                continue;
            }
            if (h.active >= config.hostConcurrency()) {
                // Re-listed when one of its probes finishes.
                h.listed = false;
                continue;
            }
            if (!RateGate.open(h.nextStartNanos, now)) {
                h.wakeNanos = h.nextStartNanos;
                sleeping.add(h);
                continue;
            }
            if (!shared.tryAcquire(config.maxInFlight())) {
                ready.addFirst(h);
                break;
            }
            final Session s = h.waiting.poll();
            queued.decrementAndGet();
            h.active++;
            peakHostActive.accumulateAndGet(h.active, Math::max);
            h.nextStartNanos = RateGate.afterStart(h.nextStartNanos, now, rateIntervalNanos);
            inFlight.incrementAndGet();
            s.startNanos = System.nanoTime();
            startAttempt(s, s.plan.get(0));
            if (!h.waiting.isEmpty()) {
                ready.add(h);
                rounds++;
            } else {
                h.listed = false;
            }
        }
    }

    /**
     * Once a second, drops the state of addresses with nothing waiting, nothing in flight and no
     * rate debt left, so that scanning many addresses does not grow the map without bound.
     */
    private void sweepIdleHosts(final long now) {
        if (now - lastSweepNanos < 1_000_000_000L) {
            return;
        }
        lastSweepNanos = now;
        hosts.values().removeIf(h -> h.active == 0 && h.waiting.isEmpty() && !h.listed && h.nextStartNanos <= now);
        trackedHosts.set(hosts.size());
    }

    /** Addresses the reactor keeps limit state for, as of its last sweep. */
    int trackedHosts() {
        return trackedHosts.get();
    }

    private void forgetIfIdle(final Host h) {
        if (h.active == 0 && h.waiting.isEmpty() && h.nextStartNanos <= System.nanoTime()) {
            hosts.remove(h.address);
        }
    }

    private long waitMillis(final long now) {
        long next = Long.MAX_VALUE;
        if (!connectTimers.isEmpty()) {
            next = Math.min(next, connectTimers.peek().deadline);
        }
        if (!replyTimers.isEmpty()) {
            next = Math.min(next, replyTimers.peek().deadline);
        }
        if (!sleeping.isEmpty()) {
            next = Math.min(next, sleeping.peek().wakeNanos);
        }
        if (!ready.isEmpty() && shared.inFlight.get() < config.maxInFlight()) {
            return 0;
        }
        if (next == Long.MAX_VALUE) {
            return 1000;
        }
        return Math.max(1, (next - now + 999_999) / 1_000_000L);
    }

    // --- one connection per handshake -------------------------------------------------------

    private void startAttempt(final Session s, final Handshake handshake) {
        s.current = handshake;
        s.tried.add(handshake);
        s.envelopeSent = false;
        s.resetBuffer();
        s.generation++;
        s.stage = Session.Stage.CONNECTING;
        s.attemptStartNanos = System.nanoTime();
        s.request = switch (handshake) {
            case MILTER_V6 -> OPTNEG_V6;
            case MILTER_V2 -> OPTNEG_V2;
            case AXIMILTER -> PING;
        };
        s.out = ByteBuffer.wrap(s.request);
        final InetAddress source = config.sourceAddress();
        final int written;
        try {
            s.connection = transport.open(s.address,
                    source != null && source.getClass() == s.address.getAddress().getClass() ? source : null, s);
            shared.peakOpenSockets.accumulateAndGet(shared.openSockets.incrementAndGet(), Math::max);
            written = s.connection.writeIfConnected(s.out);
        } catch (final IOException e) {
            if (s.connection != null && resetAfterConnect(e)) {
                // Connected, then the first write met a reset: the peer closed at once.
                connected(s);
                ioFailedAfterConnect(s, e);
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
            schedule(connectTimers, s, s.attemptStartNanos + connectNanos);
            return;
        }
        s.bytesSent += written;
        connected(s);
        try {
            afterWrite(s);
        } catch (final IOException e) {
            ioFailedAfterConnect(s, e);
        }
    }

    /** Whether the first write failed because an established connection was reset, not because the connect failed. */
    private static boolean resetAfterConnect(final IOException e) {
        final String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        return m.contains("connection reset") || m.contains("broken pipe");
    }

    /** The connect is done: the reply deadline of the stage starts. */
    private void connected(final Session s) {
        final long now = System.nanoTime();
        s.connectedNanos = now;
        if (!s.anyConnected) {
            s.anyConnected = true;
            s.connectMs = (now - s.startNanos) / 1_000_000L;
        }
        s.stage = Session.Stage.WRITING;
        s.generation++;
        schedule(replyTimers, s, now + replyNanos);
    }

    private void write(final Session s) throws IOException {
        s.bytesSent += s.connection.write(s.out);
        afterWrite(s);
    }

    private void afterWrite(final Session s) throws IOException {
        if (s.out.hasRemaining()) {
            s.stage = Session.Stage.WRITING;
            s.connection.interest(Transport.WRITE);
        } else {
            s.stage = Session.Stage.READING;
            s.connection.interest(Transport.READ);
        }
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
                connected(s);
                write(s);
            } else if (ops == Transport.WRITE) {
                write(s);
            } else if (ops == Transport.READ) {
                read(s);
            }
        } catch (final IOException e) {
            ioFailedAfterConnect(s, e);
        }
    }

    private void read(final Session s) throws IOException {
        if (s.inLen == s.in.length) {
            final int cap = config.maxReplyBytes();
            if (s.in.length >= cap) {
                attemptEnded(s, End.TOO_LONG);
                return;
            }
            s.in = java.util.Arrays.copyOf(s.in, Math.min(cap, Math.max(INITIAL_BUFFER, s.in.length * 2)));
        }
        final int n = s.connection.read(s.in, s.inLen, s.in.length - s.inLen);
        if (n < 0) {
            attemptEnded(s, s.inLen == 0 ? End.CLOSED_EMPTY : End.CLOSED_PARTIAL);
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
        judge(s);
    }

    private void judge(final Session s) {
        if (s.current == Handshake.AXIMILTER) {
            judgeAxiMilter(s);
            return;
        }
        // An echo server echoes the v6 offer and is never silent to it, so the v2 retry needs no echo check; and a
        // v2 milter may well answer exactly the v2 masks it was offered.
        final MilterReply.Verdict v = MilterReply.judge(s.in, s.inLen, s.current == Handshake.MILTER_V2 ? null : s.request);
        if (v instanceof MilterReply.Milter m) {
            try {
                s.bytesSent += s.connection.writeLast(ByteBuffer.wrap(QUIT));
            } catch (final IOException e) {
                // the milter may already have closed; the verdict stands
            }
            final MilterHandshake handshake = MilterHandshake.newBuilder()
                    .setVersion(m.version()).setActions(m.actions()).setProtocol(m.protocol()).setSymbols(m.symbols())
                    .setOfferedVersion(s.current == Handshake.MILTER_V2 ? 2 : 6).setReplyLength(m.frameLength()).build();
            final ProductHint hint = ProductHint.of(m, s.address.getPort());
            finish(s, Outcome.MILTER, handshake, hint.product(), hint.reason(), null, null, null);
        } else if (v instanceof MilterReply.NotMilter not) {
            final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(s.in, s.inLen);
            if (not.kind() == null && line instanceof AxiMilterProtocol.NeedMore && !s.tried.contains(Handshake.AXIMILTER)) {
                return; // printable so far: wait for the end of the line (bounded by the reply deadline)
            }
            if (not.kind() == null && line instanceof AxiMilterProtocol.Text && !s.tried.contains(Handshake.AXIMILTER)) {
                // A text line to a binary offer: a line protocol, maybe AXIMilter. Ask it in its own words.
                s.notes.add(s.current + ": answered a text line");
                nextAttempt(s, Handshake.AXIMILTER);
                return;
            }
            finish(s, Outcome.OTHER_SERVICE, null, not.kind(), not.kind() == null ? null : "first bytes of the reply", not.banner(),
                    not.reason(), null);
        } else if (s.inLen >= config.maxReplyBytes()) {
            attemptEnded(s, End.TOO_LONG);
        }
    }

    private void judgeAxiMilter(final Session s) {
        final String banner = MilterReply.recogniseBanner(s.in, s.inLen);
        if (banner != null) {
            finish(s, Outcome.OTHER_SERVICE, null, banner, "first bytes of the reply", MilterReply.escape(s.in, s.inLen),
                    "reply looks like " + banner, null);
            return;
        }
        final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(s.in, s.inLen);
        if (line instanceof AxiMilterProtocol.Text t) {
            final String escaped = MilterReply.escape(t.line().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), t.line().length());
            if (!s.envelopeSent && AxiMilterProtocol.isPong(t.line())) {
                finish(s, Outcome.AXIMILTER, null, "AXIGEN AXIMilter", axiReason("answered PONG to PING", s), null, null, escaped);
            } else if (s.envelopeSent && AxiMilterProtocol.isEnvelopeError(t.line())) {
                finish(s, Outcome.AXIMILTER, null, "AXIGEN AXIMilter",
                        axiReason("answered the envelope with a non-existent VERI path by '"
                                + AxiMilterProtocol.urlDecode(t.line().strip()) + "'", s), null, null, escaped);
            } else if (!s.envelopeSent) {
                // Another line to PING: a line protocol. The envelope of Tenable 30105 tells AXIMilter apart.
                s.notes.add("AXIMILTER: PING answered '" + escaped + "'");
                s.envelopeSent = true;
                s.resetBuffer();
                s.generation++;
                s.out = ByteBuffer.wrap(ENVELOPE);
                s.stage = Session.Stage.WRITING;
                schedule(replyTimers, s, System.nanoTime() + replyNanos);
                try {
                    write(s);
                } catch (final IOException e) {
                    ioFailedAfterConnect(s, e);
                }
            } else {
                finish(s, Outcome.OTHER_SERVICE, null, null, null, escaped,
                        "a line protocol that answered neither PONG to PING nor AXIMilter's error to the envelope", null);
            }
        } else if (line instanceof AxiMilterProtocol.Binary b) {
            if (!s.triedMilter()) {
                s.notes.add("AXIMILTER: binary reply (" + b.reason() + ")");
                nextAttempt(s, Handshake.MILTER_V6);
            } else {
                finish(s, Outcome.OTHER_SERVICE, null, null, null, MilterReply.escape(s.in, s.inLen),
                        "binary reply to PING that is not a milter either (" + b.reason() + ")", null);
            }
        } else if (s.inLen >= config.maxReplyBytes()) {
            attemptEnded(s, End.TOO_LONG);
        }
    }

    private static String axiReason(final String how, final Session s) {
        return how + " (AXIMilter's text protocol" + (s.address.getPort() == 1981 ? " on its default port 1981" : "") + ")";
    }

    /** How a handshake stage ended when it ended without a verdict of its own. */
    private enum End { SILENT, CLOSED_EMPTY, RESET_EMPTY, CLOSED_PARTIAL, SILENT_PARTIAL, RESET_PARTIAL, TOO_LONG }

    private void attemptEnded(final Session s, final End end) {
        switch (end) {
            case SILENT, CLOSED_EMPTY, RESET_EMPTY -> {
                s.notes.add(s.current + (s.envelopeSent ? " (envelope)" : "") + ": " + switch (end) {
                    case SILENT -> "silent for " + config.timeouts().replyMs() + " ms";
                    case CLOSED_EMPTY -> "closed without a byte";
                    default -> "reset without a byte";
                });
                final Handshake next = s.current == Handshake.MILTER_V6 && !s.tried.contains(Handshake.MILTER_V2)
                        ? Handshake.MILTER_V2 : s.nextUntried();
                if (s.envelopeSent || next == null) {
                    if (s.envelopeSent) {
                        // PING got a line, the envelope got nothing: a line protocol, not AXIMilter.
                        finish(s, Outcome.OTHER_SERVICE, null, null, null, null, "answered PING with a line but not the envelope; "
                                + String.join("; ", s.notes), null);
                    } else {
                        finish(s, Outcome.OPEN_SILENT, null, null, null, null,
                                "accepted connections but answered no handshake: " + String.join("; ", s.notes), null);
                    }
                } else {
                    nextAttempt(s, next);
                }
            }
            case CLOSED_PARTIAL, SILENT_PARTIAL, RESET_PARTIAL -> finish(s, Outcome.OTHER_SERVICE, null, null, null,
                    MilterReply.escape(s.in, s.inLen), "incomplete reply to " + s.current + ": " + s.inLen + " bytes, then "
                            + (end == End.CLOSED_PARTIAL ? "the peer closed" : end == End.RESET_PARTIAL ? "a reset"
                                    : "silence until the " + config.timeouts().replyMs() + " ms reply timeout"), null);
            case TOO_LONG -> finish(s, Outcome.OTHER_SERVICE, null, null, null, MilterReply.escape(s.in, s.inLen),
                    "reply to " + s.current + " exceeded " + config.maxReplyBytes() + " bytes (worker.reply.max.bytes) without a verdict",
                    null);
            default -> throw new IllegalStateException(end.name());
        }
    }

    private void nextAttempt(final Session s, final Handshake next) {
        closeChannel(s);
        startAttempt(s, next);
    }

    /**
     * A connect that failed, judged by the system's error text, which is the same through NIO and
     * epoll (the exception types are not: Netty throws a ConnectException for nearly every errno).
     */
    private void connectFailed(final Session s, final IOException e) {
        final String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        final String text = msg.toLowerCase(java.util.Locale.ROOT);
        if (s.anyConnected) {
            // The port answered an earlier connection silently and now refuses or times out.
            s.notes.add(s.current + ": the new connection failed (" + msg + ")");
            finish(s, Outcome.OPEN_SILENT, null, null, null, null, "accepted a connection but answered no handshake: "
                    + String.join("; ", s.notes), null);
        } else if (text.contains("connection refused")) {
            finish(s, Outcome.CLOSED, null, null, null, null, "connection refused (RST or ICMP port unreachable)", null);
        } else if (text.contains("no route to host") || e instanceof NoRouteToHostException) {
            finish(s, Outcome.FILTERED, null, null, null, null, "no route to host: an ICMP host unreachable or administratively prohibited"
                    + " answer, or no route on this worker (" + msg + ")", null);
        } else if (text.contains("permission denied") || text.contains("operation not permitted")) {
            finish(s, Outcome.FILTERED, null, null, null, null, "refused by a firewall: an ICMP administratively prohibited answer"
                    + " (IPv6) or a firewall rule on this worker's host (" + msg + ")", null);
        } else if (text.contains("unreachable") || text.contains("host is down") || text.contains("not on the network")
                || text.contains("protocol not available") || text.contains("timed out")) {
            finish(s, Outcome.FILTERED, null, null, null, null, "unreachable: " + msg, null);
        } else if (text.contains("too many open files")) {
            finish(s, Outcome.ERROR, null, null, null, null, "local resource exhaustion: too many open files; raise the worker's"
                    + " 'ulimit -n' or lower worker.concurrency", null);
        } else if (text.contains("cannot assign requested address")) {
            finish(s, Outcome.ERROR, null, null, null, null, "local resource exhaustion: no local port or source address left for"
                    + " a connection to " + s.address + " (" + msg + "); lower worker.concurrency or check worker.source.address", null);
        } else {
            finish(s, Outcome.ERROR, null, null, null, null, "local error opening a connection to " + s.address + ": " + msg, null);
        }
    }

    private void ioFailedAfterConnect(final Session s, final IOException e) {
        LOG.debug("{} {}: {}", s.address, s.current, e.toString());
        attemptEnded(s, s.inLen == 0 ? End.RESET_EMPTY : End.RESET_PARTIAL);
    }

    private void expire(final long now) {
        while (!connectTimers.isEmpty() && connectTimers.peek().deadline <= now) {
            final Timer t = connectTimers.poll();
            final Session s = take(t);
            if (s != null && s.generation == t.generation && s.stage == Session.Stage.CONNECTING) {
                if (!s.anyConnected) {
                    finish(s, Outcome.FILTERED, null, null, null, null, "no answer to the connect within "
                            + config.timeouts().connectMs() + " ms (worker.connect.timeout.ms): dropped by a firewall or no host", null);
                } else {
                    connectFailed(s, new IOException("connect timed out"));
                }
            }
        }
        while (!replyTimers.isEmpty() && replyTimers.peek().deadline <= now) {
            final Timer t = replyTimers.poll();
            final Session s = take(t);
            if (s != null && s.generation == t.generation && (s.stage == Session.Stage.READING || s.stage == Session.Stage.WRITING)) {
                attemptEnded(s, s.inLen == 0 ? End.SILENT : End.SILENT_PARTIAL);
            }
        }
    }

    /** The probe of a timer whose deadline passed, or null when it let go of it; the timer is spent. */
    private Session take(final Timer t) {
        final Session s = t.session;
        if (s != null) {
            cancelTimer(s);
        }
        return s;
    }

    private void finish(final Session s, final Outcome outcome, final MilterHandshake milter, final String product,
            final String productReason, final String banner, final String detail, final String aximilterReply) {
        if (s.stage == Session.Stage.DONE) {
            return;
        }
        closeChannel(s);
        cancelTimer(s);
        s.stage = Session.Stage.DONE;
        s.in = null;
        inFlight.decrementAndGet();
        shared.release(config.maxInFlight(), this);
        final Host h = hosts.get(s.address.getAddress());
        if (h != null) {
            h.active--;
            if (!h.waiting.isEmpty() && !h.listed) {
                h.listed = true;
                ready.add(h);
            } else {
                forgetIfIdle(h);
            }
        }
        final ProbeOutcome o = new ProbeOutcome(outcome, milter, product, productReason, banner, detail, s.connectMs,
                s.firstByteMs, s.elapsedMs(), s.tried, aximilterReply, s.bytesSent, s.bytesRead);
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
        // Every probe with a connection holds a timer of its current stage.
        for (final Timer t : List.copyOf(connectTimers)) {
            if (t.session != null) {
                finish(t.session, Outcome.ERROR, null, null, null, null, reason, null);
            }
        }
        for (final Timer t : List.copyOf(replyTimers)) {
            if (t.session != null) {
                finish(t.session, Outcome.ERROR, null, null, null, null, reason, null);
            }
        }
        takeSubmitted();
        final List<Session> waiting = new java.util.ArrayList<>();
        for (final Host h : hosts.values()) {
            waiting.addAll(h.waiting);
            h.waiting.clear();
        }
        for (final Session s : waiting) {
            // finish() releases a slot: take one for a probe that never started.
            inFlight.incrementAndGet();
            shared.inFlight.incrementAndGet();
            finish(s, Outcome.ERROR, null, null, null, null, reason, null);
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
