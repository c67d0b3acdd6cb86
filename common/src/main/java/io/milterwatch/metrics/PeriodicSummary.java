package io.milterwatch.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;

/**
 * One INFO line per period summing up what a role did, from its meters: the steady-state log of a
 * large estate, where a line per target or per probe would be gigabytes a day. What happened to one
 * target is logged at DEBUG and counted in the meters.
 */
public final class PeriodicSummary implements AutoCloseable {

    private final ScheduledExecutorService timer;

    private PeriodicSummary(final ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /**
     * Logs {@code line} of the meters' changes every {@code period} on a daemon thread; a zero period
     * logs nothing. A line that cannot be made is logged as such, and the next period tries again.
     */
    public static PeriodicSummary start(final String name, final Logger log, final Duration period, final MeterRegistry registry,
            final Function<Since, String> line) {
        if (period.isZero() || period.isNegative()) {
            return new PeriodicSummary(null);
        }
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, name + "-summary");
            t.setDaemon(true);
            return t;
        });
        final Since since = new Since(registry, period);
        since.next();
        timer.scheduleAtFixedRate(() -> {
            try {
                since.next();
                log.info("{}", line.apply(since));
            } catch (final RuntimeException e) {
                log.warn("cannot make the summary line: {}", e.toString());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return new PeriodicSummary(timer);
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** The meters' changes over the last period (counters) and their values now (gauges). */
    public static final class Since {
        private final MeterRegistry registry;
        private final Duration period;
        private Map<String, Double> before = new HashMap<>();
        private Map<String, Double> now = new HashMap<>();

        Since(final MeterRegistry registry, final Duration period) {
            this.registry = registry;
            this.period = period;
        }

        /** Starts a new period: what is read next is the change since the previous call. */
        void next() {
            before = now;
            now = new HashMap<>();
            for (final io.micrometer.core.instrument.Meter m : registry.getMeters()) {
                if (m instanceof Counter c) {
                    now.merge(c.getId().getName() + "|" + c.getId().getTags(), c.count(), Double::sum);
                }
            }
        }

        public Duration period() {
            return period;
        }

        /** How much every counter named {@code name} (all tags together) grew over the period. */
        public long count(final String name) {
            long sum = 0;
            for (final Counter c : registry.find(name).counters()) {
                final String key = c.getId().getName() + "|" + c.getId().getTags();
                sum += Math.round(now.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0));
            }
            return sum;
        }

        /** How much the counters named {@code name} grew over the period, by the value of their tag {@code tag}; zeros left out. */
        public Map<String, Long> countBy(final String name, final String tag) {
            final Map<String, Long> by = new TreeMap<>();
            for (final Counter c : registry.find(name).counters()) {
                final String key = c.getId().getName() + "|" + c.getId().getTags();
                final long delta = Math.round(now.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0));
                if (delta != 0) {
                    by.merge(String.valueOf(c.getId().getTag(tag)), delta, Long::sum);
                }
            }
            return by;
        }

        /** The gauges named {@code name} now, by the value of their tag {@code tag}; zeros left out. */
        public Map<String, Long> gaugesBy(final String name, final String tag) {
            final Map<String, Long> by = new TreeMap<>();
            for (final Gauge g : registry.find(name).gauges()) {
                final long value = Math.round(g.value());
                if (value != 0) {
                    by.merge(String.valueOf(g.getId().getTag(tag)), value, Long::sum);
                }
            }
            return by;
        }

        /** The sum of the gauges named {@code name} now. */
        public long gauge(final String name) {
            return Math.round(registry.find(name).gauges().stream().mapToDouble(Gauge::value).filter(v -> !Double.isNaN(v)).sum());
        }

        /** The longest time recorded by the timer {@code name} lately (Micrometer's decaying maximum), in milliseconds. */
        public double maxMs(final String name) {
            final Timer t = registry.find(name).timer();
            return t == null ? 0 : t.max(TimeUnit.MILLISECONDS);
        }
    }
}
