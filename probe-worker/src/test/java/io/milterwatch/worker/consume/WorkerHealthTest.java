package io.milterwatch.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.milterwatch.metrics.Health;
import org.junit.jupiter.api.Test;

class WorkerHealthTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final WorkerHealth health = new WorkerHealth("v1", "requests", 1_000, nanos::get, () -> 7);

    @Test
    void shouldBeReadyOnlyWhenPollingWithPartitionsAndNoUnwrittenResults() {
        assertThat(health.readiness().reason()).isEqualTo("not running yet");
        assertThat(health.liveness()).extracting(Health::up, Health::reason).containsExactly(true, "starting");
        health.started();
        assertThat(health.readiness().reason()).isEqualTo("not polled yet");
        health.active(0);
        assertThat(health.readiness().reason()).isEqualTo("no partitions of requests assigned");
        health.active(2);
        assertThat(health.readiness()).extracting(Health::up, Health::reason).containsExactly(true, "consuming");
        assertThat(health.readiness().details()).containsEntry("assignedPartitions", 2).containsEntry("probed", 7L);
        health.failedBatches(1);
        assertThat(health.readiness().reason()).isEqualTo("results of the last batch were not acknowledged; backing off");
        health.failedBatches(0);
        health.active(-1);
        assertThat(health.readiness().up()).as("a back-off keeps the partition count").isTrue();
    }

    @Test
    void shouldFailLivenessWhenTheLoopHasNotComeBackForMaxPollInterval() {
        health.started();
        health.active(1);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_001));
        assertThat(health.liveness().up()).isFalse();
        assertThat(health.liveness().reason()).startsWith("poll loop has not come back for 1001 ms");
        health.active(1);
        assertThat(health.liveness().up()).isTrue();
    }

    @Test
    void shouldSayStoppedWhenClosedOrFailed() {
        health.started();
        health.closing();
        assertThat(health.readiness().reason()).isEqualTo("closing");
        health.stopped();
        assertThat(health.readiness().reason()).isEqualTo("stopped");
        assertThat(health.liveness().reason()).isEqualTo("stopped");
        health.failed("java.lang.IllegalStateException: boom");
        assertThat(health.liveness().reason()).isEqualTo("stopped on an error: java.lang.IllegalStateException: boom");
    }
}
