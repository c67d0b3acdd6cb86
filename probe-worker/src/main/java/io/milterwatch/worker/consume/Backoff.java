package io.milterwatch.worker.consume;

/**
 * The pause before records whose results could not be written are probed again: a failure that
 * persists (a broker refusing the results) must not turn the worker into a loop that hammers its
 * targets. 0.5 s, 1 s, 2 s ... up to 60 s; the first success starts over.
 */
final class Backoff {

    static final long FIRST_MS = 500;
    static final long MAX_MS = 60_000;

    private volatile int failures;

    /** Counts a failure and returns how long to wait before the next attempt. */
    long failed() {
        final int n = ++failures;
        return Math.min(MAX_MS, FIRST_MS << Math.min(n - 1, 16));
    }

    void succeeded() {
        failures = 0;
    }

    /** Failures in a row since the last success. */
    int failures() {
        return failures;
    }
}
