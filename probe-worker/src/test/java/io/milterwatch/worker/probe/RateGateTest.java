package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-address rate, on a clock of our own (no sleeping, no timing). */
class RateGateTest {

    private static final long SECOND = 1_000_000_000L;

    /** How many starts the gate admits at instant {@code now}, from a state, at {@code rate} per second. */
    private static int burst(final long[] next, final long now, final int rate) {
        int started = 0;
        while (RateGate.open(next[0], now) && started < 10 * rate) {
            next[0] = RateGate.afterStart(next[0], now, SECOND / rate);
            started++;
        }
        return started;
    }

    @Test
    void shouldAdmitOneSecondOfStartsAtOnceWhenTheAddressWasIdle() {
        final long[] next = {0};
        assertThat(burst(next, 100 * SECOND, 20)).isEqualTo(20);
    }

    @Test
    void shouldAdmitOneStartPerIntervalWhenTheBucketIsEmpty() {
        // given: an emptied bucket
        final long[] next = {0};
        final long t0 = 100 * SECOND;
        burst(next, t0, 20);
        // then: nothing more in the same instant, one per 50 ms afterwards, 20 over the next second
        assertThat(burst(next, t0, 20)).isZero();
        assertThat(burst(next, t0 + SECOND / 20, 20)).isEqualTo(1);
        int total = 1;
        for (long t = t0 + 2 * SECOND / 20; t <= t0 + SECOND; t += SECOND / 20) {
            total += burst(next, t, 20);
        }
        assertThat(total).isEqualTo(20);
    }

    @Test
    void shouldNotSaveUpMoreThanOneSecondWhenIdleForLong() {
        final long[] next = {0};
        burst(next, SECOND, 5);
        assertThat(burst(next, 3_600 * SECOND, 5)).isEqualTo(5);
    }
}
