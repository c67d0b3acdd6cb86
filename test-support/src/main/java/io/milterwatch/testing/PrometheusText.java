package io.milterwatch.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scrape of a {@code /metrics} endpoint, read as a Prometheus text-format (0.0.4) parser would:
 * one sample per line, {@code name{label="value",...} number}.
 */
public final class PrometheusText {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Sample> samples;
    private final String text;

    private PrometheusText(final String text) {
        this.text = text;
        this.samples = parse(text);
    }

    /** Scrapes {@code url} (with {@code Authorization: Bearer token} when a token is given); fails on anything but 200. */
    public static PrometheusText scrape(final String url, final String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        final HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        if (!r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4")) {
            throw new AssertionError("GET " + url + " answered Content-Type " + r.headers().firstValue("Content-Type"));
        }
        return new PrometheusText(r.body());
    }

    public static PrometheusText of(final String text) {
        return new PrometheusText(text);
    }

    public String text() {
        return text;
    }

    public List<Sample> samples(final String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    public boolean has(final String name) {
        return !samples(name).isEmpty();
    }

    /** Sum of the samples of {@code name} whose labels include {@code labels} (alternating keys and values). */
    public double sum(final String name, final String... labels) {
        double sum = 0;
        for (final Sample s : samples(name)) {
            boolean match = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                match &= labels[i + 1].equals(s.labels().get(labels[i]));
            }
            if (match) {
                sum += s.value();
            }
        }
        return sum;
    }

    private static List<Sample> parse(final String text) {
        final List<Sample> out = new ArrayList<>();
        for (final String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final int brace = line.indexOf('{');
            final int space = line.lastIndexOf(' ');
            final Map<String, String> labels = new LinkedHashMap<>();
            final String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                final String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    final int eq = body.indexOf('=', i);
                    final StringBuilder value = new StringBuilder();
                    int j = eq + 2;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                            value.append(body.charAt(j) == 'n' ? '\n' : body.charAt(j));
                        } else {
                            value.append(body.charAt(j));
                        }
                        j++;
                    }
                    labels.put(body.substring(i, eq).trim(), value.toString());
                    i = j + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            final String v = line.substring(space + 1).trim();
            out.add(new Sample(name, labels, switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            }));
        }
        return out;
    }
}
