package io.milterwatch.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void shouldDoubleThePauseUpToAMinuteAndStartOverAfterASuccess() {
        final Backoff backoff = new Backoff();
        final List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waits.add(backoff.failed());
        }
        assertThat(waits).containsExactly(500L, 1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L, 60_000L, 60_000L, 60_000L);
        assertThat(backoff.failures()).isEqualTo(10);
        for (int i = 0; i < 100; i++) {
            backoff.failed();
        }
        assertThat(backoff.failed()).as("no overflow after many failures").isEqualTo(60_000L);
        backoff.succeeded();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.failed()).isEqualTo(500L);
    }
}
