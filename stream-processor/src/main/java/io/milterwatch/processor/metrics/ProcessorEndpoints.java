package io.milterwatch.processor.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.metrics.HttpEndpoints;
import io.milterwatch.processor.query.QueryServer;

/**
 * Puts {@code /metrics}, {@code /health/live} and {@code /health/ready} on the query API's server.
 * The health checks never need the token (a liveness probe has none, and they tell nothing about
 * targets); {@code /metrics} follows the API's rule, since its counts say how many endpoints are
 * exposed: with {@code processor.http.token} set, a scraper sends {@code Authorization: Bearer
 * TOKEN} (Prometheus: {@code authorization: {credentials: TOKEN}}).
 */
public final class ProcessorEndpoints {

    private ProcessorEndpoints() {
    }

    public static void register(final QueryServer server, final PrometheusMeterRegistry registry, final StreamsHealth health) {
        server.addEndpoint(HttpEndpoints.METRICS, HttpEndpoints.metrics(registry), true);
        server.addEndpoint(HttpEndpoints.LIVE, HttpEndpoints.health(health::liveness), false);
        server.addEndpoint(HttpEndpoints.READY, HttpEndpoints.health(health::readiness), false);
    }
}
