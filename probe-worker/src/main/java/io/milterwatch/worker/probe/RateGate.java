package io.milterwatch.worker.probe;

/**
 * Per-address start rate as a token bucket kept in one number: the earliest time the next probe
 * may start. A bucket holds one second of starts, so an idle address may take a burst of
 * {@code rate} probes, then one every {@code 1/rate} seconds.
 */
final class RateGate {

    private static final long SECOND = 1_000_000_000L;

    private RateGate() {
    }

    /** True when a probe may start at {@code now} given the address's earliest next start. */
    static boolean open(final long nextStartNanos, final long now) {
        return nextStartNanos <= now;
    }

    /** The earliest next start after a probe started at {@code now}. */
    static long afterStart(final long nextStartNanos, final long now, final long intervalNanos) {
        return Math.max(nextStartNanos, now - SECOND + intervalNanos) + intervalNanos;
    }
}
