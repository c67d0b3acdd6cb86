package io.milterwatch.metrics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handlers of {@code /metrics}, {@code /health/live} and {@code /health/ready} for
 * {@link HttpService}, shared by the probe worker's endpoint and the stream processor's query API.
 *
 * <p>{@code /metrics} answers in the Prometheus text format 0.0.4, which every Prometheus version
 * and agent reads. A health check answers 200 when up and 503 when down, with a small JSON body
 * ({@code {"status":"UP","reason":"RUNNING",...facts}}). Only GET and HEAD are answered.
 */
public final class HttpEndpoints {

    public static final String METRICS = "/metrics";
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";

    /** Prometheus text exposition format 0.0.4. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpEndpoints() {
    }

    /** {@code /metrics}: every meter of the registry, scraped when asked. */
    public static HttpService.Route metrics(final PrometheusMeterRegistry registry) {
        return ex -> {
            if (!readOnly(ex)) {
                return;
            }
            final ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            registry.scrape(body, PROMETHEUS_TEXT);
            send(ex, 200, PROMETHEUS_TEXT, body.toByteArray());
        };
    }

    /** A health check: 200 with the facts when it passes, 503 with them when it does not. */
    public static HttpService.Route health(final Supplier<Health> check) {
        return ex -> {
            if (!readOnly(ex)) {
                return;
            }
            Health health;
            try {
                health = check.get();
            } catch (final RuntimeException e) {
                // A check that cannot decide is a failed check, never a 500 a probe might read as "up".
                LOG.warn("health check {} failed: {}", ex.path(), e.toString());
                health = Health.down("check failed: " + e.getMessage(), Map.of());
            }
            send(ex, health.up() ? 200 : 503, "application/json", json(health));
        };
    }

    /** The JSON body of a health answer. */
    public static byte[] json(final Health health) {
        final ObjectNode node = JSON.createObjectNode();
        node.put("status", health.up() ? "UP" : "DOWN");
        node.put("reason", health.reason());
        health.details().forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("health of " + health.details().keySet() + " cannot be written as JSON", e);
        }
    }

    private static boolean readOnly(final Exchange ex) {
        final String method = ex.method();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        ex.setHeader("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", ("method " + method + " not allowed; use GET\n").getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(final Exchange ex, final int status, final String contentType, final byte[] body) {
        ex.setHeader("Cache-Control", "no-store");
        ex.send(status, contentType, body);
    }
}
