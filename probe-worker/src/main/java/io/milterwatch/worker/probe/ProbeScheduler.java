package io.milterwatch.worker.probe;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * When probes run, for one reactor: per-address queues, the global in-flight limit (shared by the
 * engine's reactors), the per-address concurrency and start rate, and the deadline of every
 * probe's current stage. Touched only by the reactor thread, but for the counters read by metrics.
 *
 * <p>Deadlines: every connection has a connect deadline and every exchange a reply deadline. Both
 * durations are fixed per engine, so deadlines are kept in two FIFO queues (in deadline order by
 * construction) and checked in O(1) per loop. A probe holds one timer at a time; a timer whose
 * probe moved on is let go of at once and skipped when its time comes.
 */
final class ProbeScheduler {

    private final EngineConfig config;
    private final Reactor.Shared shared;
    private final long connectNanos;
    private final long replyNanos;
    private final long rateIntervalNanos;

    private final Map<InetAddress, Host> hosts = new HashMap<>();
    private final ArrayDeque<Host> ready = new ArrayDeque<>();
    private final PriorityQueue<Host> sleeping = new PriorityQueue<>((a, b) -> Long.compare(a.wakeNanos, b.wakeNanos));
    private final ArrayDeque<Timer> connectTimers = new ArrayDeque<>();
    private final ArrayDeque<Timer> replyTimers = new ArrayDeque<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger peakHostActive = new AtomicInteger();
    private final AtomicInteger trackedHosts = new AtomicInteger();
    private long lastSweepNanos;
    /** Timers that still hold a probe; written by the reactor thread only. */
    private volatile int heldTimers;

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
     * A deadline of one stage of one probe. Moving on or finishing lets go of it (its session
     * reference is cleared), so that a finished probe is not kept in memory until its old deadline
     * passes (at 20,000 probes a second and a 3 s reply timeout, that was 60,000 dead sessions and
     * long collector pauses).
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

    /** What the reactor does when a stage's deadline passes. */
    interface Expiry {
        /** The connect of the current attempt got no answer in time. */
        void connectExpired(Session s);

        /** The exchange of the current stage got no (complete) reply in time. */
        void replyExpired(Session s);
    }

    ProbeScheduler(final EngineConfig config, final Reactor.Shared shared) {
        this.config = config;
        this.shared = shared;
        this.connectNanos = config.timeouts().connectMs() * 1_000_000L;
        this.replyNanos = config.timeouts().replyMs() * 1_000_000L;
        this.rateIntervalNanos = 1_000_000_000L / config.hostRatePerSecond();
    }

    // --- stages and deadlines ------------------------------------------------------------------

    /**
     * Every stage change of a probe: a new generation (timers of older ones are stale), the stage,
     * and the stage's deadline counted from {@code fromNanos}: the connect timeout for CONNECTING,
     * the reply timeout for EXCHANGING. The previous deadline is let go of.
     */
    void enter(final Session s, final Session.Stage stage, final long fromNanos) {
        s.generation++;
        s.stage = stage;
        cancel(s);
        final ArrayDeque<Timer> queue;
        final long deadline;
        switch (stage) {
            case CONNECTING -> {
                queue = connectTimers;
                deadline = fromNanos + connectNanos;
            }
            case EXCHANGING -> {
                queue = replyTimers;
                deadline = fromNanos + replyNanos;
            }
            default -> throw new IllegalArgumentException("stage " + stage + " has no deadline");
        }
        final Timer t = new Timer(s, s.generation, deadline);
        s.timer = t;
        queue.add(t);
        heldTimers++;
    }

    /** Lets go of the probe's deadline, if it holds one. */
    void cancel(final Session s) {
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

    /** Hands every probe whose current stage's deadline passed by {@code now} to {@code expiry}. */
    void expire(final long now, final Expiry expiry) {
        while (!connectTimers.isEmpty() && connectTimers.peek().deadline <= now) {
            final Timer t = connectTimers.poll();
            final Session s = take(t);
            if (s != null && s.generation == t.generation && s.stage == Session.Stage.CONNECTING) {
                expiry.connectExpired(s);
            }
        }
        while (!replyTimers.isEmpty() && replyTimers.peek().deadline <= now) {
            final Timer t = replyTimers.poll();
            final Session s = take(t);
            if (s != null && s.generation == t.generation && s.stage == Session.Stage.EXCHANGING) {
                expiry.replyExpired(s);
            }
        }
    }

    /** The probe of a timer whose deadline passed, or null when it let go of it; the timer is spent. */
    private Session take(final Timer t) {
        final Session s = t.session;
        if (s != null) {
            cancel(s);
        }
        return s;
    }

    // --- queues and limits ---------------------------------------------------------------------

    /** Queues a submitted probe behind the others of its address. */
    void add(final Session s) {
        final Host h = hosts.computeIfAbsent(s.address.getAddress(), Host::new);
        h.waiting.add(s);
        if (!h.listed) {
            h.listed = true;
            ready.add(h);
        }
    }

    /** Counts a probe handed to the reactor but not queued yet. */
    void submitted() {
        queued.incrementAndGet();
    }

    /** Starts waiting probes while the limits allow, round-robin over addresses. */
    void dispatch(final long now, final Consumer<Session> start) {
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
            start.accept(s);
            if (!h.waiting.isEmpty()) {
                ready.add(h);
                rounds++;
            } else {
                h.listed = false;
            }
        }
    }

    /**
     * A started probe finished: its deadline, its slot and its address's slot are free. The global
     * slot is the caller's to release (other reactors may wait for it).
     */
    void finished(final Session s) {
        cancel(s);
        inFlight.decrementAndGet();
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
    }

    /**
     * Once a second, drops the state of addresses with nothing waiting, nothing in flight and no
     * rate debt left, so that scanning many addresses does not grow the map without bound.
     */
    void sweepIdleHosts(final long now) {
        if (now - lastSweepNanos < 1_000_000_000L) {
            return;
        }
        lastSweepNanos = now;
        hosts.values().removeIf(h -> h.active == 0 && h.waiting.isEmpty() && !h.listed && h.nextStartNanos <= now);
        trackedHosts.set(hosts.size());
    }

    private void forgetIfIdle(final Host h) {
        if (h.active == 0 && h.waiting.isEmpty() && h.nextStartNanos <= System.nanoTime()) {
            hosts.remove(h.address);
        }
    }

    /** How long the reactor may block: until the next deadline or wake-up, 0 when a probe can start now. */
    long waitMillis(final long now) {
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

    /** Probes in flight: every one holds the deadline of its current stage. */
    List<Session> running() {
        final List<Session> running = new ArrayList<>();
        for (final Timer t : connectTimers) {
            if (t.session != null) {
                running.add(t.session);
            }
        }
        for (final Timer t : replyTimers) {
            if (t.session != null) {
                running.add(t.session);
            }
        }
        return running;
    }

    /** Takes every queued probe out of its queue, as if each had started (the caller finishes them). */
    List<Session> drainWaiting() {
        final List<Session> waiting = new ArrayList<>();
        for (final Host h : hosts.values()) {
            for (final Session s : h.waiting) {
                waiting.add(s);
                // finished() releases an address slot and an in-flight count: take them for a probe that never started.
                h.active++;
                inFlight.incrementAndGet();
            }
            h.waiting.clear();
        }
        return waiting;
    }

    int inFlight() {
        return inFlight.get();
    }

    int queued() {
        return queued.get();
    }

    /** Most probes in flight at once against a single address since the reactor started. */
    int peakHostActive() {
        return peakHostActive.get();
    }

    /** Addresses the scheduler keeps limit state for, as of its last sweep. */
    int trackedHosts() {
        return trackedHosts.get();
    }
}
