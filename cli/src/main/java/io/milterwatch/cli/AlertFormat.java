package io.milterwatch.cli;

import java.time.Instant;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.TreeMap;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.ExposureState;

/** Human lines for alerts and states. */
public final class AlertFormat {

    private AlertFormat() {
    }

    public static String alert(final Alert a, final boolean withHint) {
        final StringBuilder b = new StringBuilder();
        b.append(Instant.ofEpochMilli(a.getCreatedAtMs())).append("  ")
                .append(String.format(Locale.ROOT, "%-8s %-12s %s", a.getSeverity(), a.getToState(), a.getKey()))
                .append("  (was ").append(a.getFromState()).append(")  ").append(a.getSummary());
        if (!a.getLabels().isEmpty()) {
            // Sorted, so that the same labels always read the same.
            final StringJoiner labels = new StringJoiner(", ", "  [", "]");
            new TreeMap<>(a.getLabels()).forEach((k, v) -> labels.add(k + "=" + v));
            b.append(labels);
        }
        if (withHint && a.getRemediation() != null) {
            for (final String line : a.getRemediation().split("\n")) {
                b.append(System.lineSeparator()).append("    ").append(line);
            }
        }
        return b.toString();
    }

    static String state(final ExposureState s) {
        final StringBuilder vantages = new StringBuilder();
        s.getVantages().values().forEach(v -> vantages.append(vantages.length() == 0 ? "" : ", ").append(v.getVantage()).append('(')
                .append(v.getZone()).append(")=").append(v.getOutcome()));
        return String.format(Locale.ROOT, "%-28s %-12s since %s  product=%s  %s", s.getKey(), s.getState(), Instant.ofEpochMilli(s.getSinceMs()),
                s.getProduct() == null ? "-" : s.getProduct(), vantages);
    }
}
