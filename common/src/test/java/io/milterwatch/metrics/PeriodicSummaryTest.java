package io.milterwatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class PeriodicSummaryTest {

    @Test
    void shouldReportWhatEachCounterGrewByOverThePeriodAndTheGaugesNow() {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final Counter closed = Counter.builder("probes").tag("outcome", "CLOSED").register(registry);
        final Counter milter = Counter.builder("probes").tag("outcome", "MILTER").register(registry);
        final AtomicLong exposed = new AtomicLong(7);
        Gauge.builder("endpoints", exposed, AtomicLong::get).tag("state", "EXPOSED").register(registry);
        Gauge.builder("endpoints", () -> 0).tag("state", "CLOSED").register(registry);
        closed.increment(100);
        final PeriodicSummary.Since since = new PeriodicSummary.Since(registry, Duration.ofSeconds(60));
        since.next();

        // when: a period passes
        closed.increment(5);
        milter.increment(2);
        exposed.set(9);
        since.next();

        // then: only the growth in the period, zeros left out
        assertThat(since.count("probes")).isEqualTo(7);
        assertThat(since.countBy("probes", "outcome")).isEqualTo(Map.of("CLOSED", 5L, "MILTER", 2L));
        assertThat(since.gaugesBy("endpoints", "state")).isEqualTo(Map.of("EXPOSED", 9L));
        assertThat(since.gauge("endpoints")).isEqualTo(9);
        assertThat(since.count("absent")).isZero();

        // and: an idle period reports nothing grown
        since.next();
        assertThat(since.countBy("probes", "outcome")).isEmpty();
    }
}
