package io.milterwatch.metrics;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * One Prometheus registry per component (the probe worker, the stream processor), with the JVM's
 * memory, GC, thread, CPU and uptime meters bound, and common tags on every meter. Each component
 * has its own, so that {@code milterwatch run} (both in one JVM) serves each component's meters
 * at its own endpoint, as separate processes would.
 */
public final class PrometheusMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;

    private PrometheusMetrics(final PrometheusMeterRegistry registry, final JvmGcMetrics gc) {
        this.registry = registry;
        this.gc = gc;
    }

    /** @param commonTags tag keys and values, alternating: {@code "vantage", "external-1"} */
    public static PrometheusMetrics create(final String... commonTags) {
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(commonTags);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        final JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return new PrometheusMetrics(registry, gc);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
