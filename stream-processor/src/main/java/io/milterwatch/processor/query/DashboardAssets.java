package io.milterwatch.processor.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;

/**
 * Serves the dashboard's page, script and style sheet from the classpath (no build-time tooling,
 * nothing from another origin), and answers any other path outside {@code /api/} with a JSON 404.
 * The files hold no data, so they need no token; the page asks for it and sends it to the API.
 * A strict Content-Security-Policy allows scripts, styles and connections to this origin only.
 */
final class DashboardAssets implements HttpService.Route {

    private static final String BASE = "dashboard/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType) {
    }

    private final Map<String, Asset> assets;

    DashboardAssets() {
        final Asset page = load("index.html", "text/html; charset=utf-8");
        this.assets = Map.of(
                "/", page,
                "/index.html", page,
                "/dashboard.js", load("dashboard.js", "text/javascript; charset=utf-8"),
                "/dashboard.css", load("dashboard.css", "text/css; charset=utf-8"));
    }

    private static Asset load(final String name, final String contentType) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + BASE + name + " is missing from the classpath");
            }
            return new Asset(in.readAllBytes(), contentType);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read dashboard resource " + BASE + name, e);
        }
    }

    @Override
    public void handle(final Exchange ex) {
        final String path = ex.path();
        final Asset asset = assets.get(path);
        if (asset == null) {
            send(ex, 404, "application/json", ("{\"error\":\"no such endpoint; the dashboard is at /, the API at /api/state, /api/alerts, "
                    + "/api/transitions, /api/overview, /api/history/IP:PORT\"}").getBytes(StandardCharsets.UTF_8));
            return;
        }
        final String method = ex.method();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.setHeader("Allow", "GET, HEAD");
            send(ex, 405, "application/json", "{\"error\":\"use GET\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        ex.setHeader("Content-Security-Policy", CSP);
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Referrer-Policy", "no-referrer");
        ex.setHeader("X-Frame-Options", "DENY");
        send(ex, 200, asset.contentType(), asset.bytes());
    }

    private static void send(final Exchange ex, final int status, final String contentType, final byte[] body) {
        ex.setHeader("Cache-Control", "no-cache");
        ex.send(status, contentType, body);
    }
}
