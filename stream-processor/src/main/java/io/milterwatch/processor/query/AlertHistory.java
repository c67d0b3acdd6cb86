package io.milterwatch.processor.query;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recent transitions (alerts) of every ip:port, for the dashboard's history view, in bounded
 * memory. Alerts are kept as the encoded bytes read from the alert topics (the exact cost of each
 * is known) and decoded only when asked for:
 * <ul>
 *   <li>at most {@link #perKey()} alerts per ip:port, in transition order: its oldest go first;</li>
 *   <li>at most {@link #maxBytes()} in all, each alert charged its encoded size plus
 *       {@link #OVERHEAD_BYTES} for the objects around it: the ip:port whose history changed
 *       least recently goes first, whole.</li>
 * </ul>
 * Alert ids are {@code ip:port#n} (n = transition number); each list is kept in that order.
 * Thread-safe.
 */
final class AlertHistory {

    /** Rough heap cost of one kept alert beyond its bytes: entry, array header, id string, list slot. */
    static final int OVERHEAD_BYTES = 160;

    /** The kept alerts of one ip:port, and whether older ones had to go. */
    private static final class Series {
        final List<Kept> kept = new ArrayList<>();
        boolean truncated;
    }

    /** What is kept of one ip:port: its alerts, oldest first, and whether older ones were dropped. */
    record Snapshot(List<Kept> kept, boolean truncated) {
    }

    /** One kept alert: its id (for de-duplication) and its encoded record. */
    record Kept(String alertId, long createdAtMs, byte[] encoded) {
        long cost() {
            return encoded.length + (long) OVERHEAD_BYTES + 2L * alertId.length();
        }
    }

    private static final Comparator<Kept> ORDER = Comparator
            .comparingLong((Kept k) -> transitionNumber(k.alertId())).thenComparingLong(Kept::createdAtMs);

    private final int perKey;
    private final long maxBytes;
    /** Insertion order is update order: {@link #add} re-inserts its key; reads never reorder. */
    private final LinkedHashMap<String, Series> byKey = new LinkedHashMap<>();
    private long bytes;
    private long evictedKeys;

    AlertHistory(final int perKey, final long maxBytes) {
        if (perKey < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("perKey and maxBytes must be positive, not " + perKey + " and " + maxBytes);
        }
        this.perKey = perKey;
        this.maxBytes = maxBytes;
    }

    /** Keeps one alert of {@code key}; an alert id already kept for it is ignored. */
    synchronized void add(final String key, final String alertId, final long createdAtMs, final byte[] encoded) {
        Series series = byKey.remove(key);
        if (series == null) {
            series = new Series();
        }
        byKey.put(key, series);
        final List<Kept> kept = series.kept;
        for (final Kept k : kept) {
            if (k.alertId().equals(alertId)) {
                return;
            }
        }
        // The two alert topics are read side by side, so a REGRESSED alert can arrive after a
        // later transition of the same ip:port: keep each list in transition order.
        final Kept k = new Kept(alertId, createdAtMs, encoded);
        int at = kept.size();
        while (at > 0 && ORDER.compare(kept.get(at - 1), k) > 0) {
            at--;
        }
        kept.add(at, k);
        bytes += k.cost();
        while (kept.size() > perKey) {
            bytes -= kept.remove(0).cost();
            series.truncated = true;
        }
        final Iterator<Map.Entry<String, Series>> oldest = byKey.entrySet().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            final Map.Entry<String, Series> e = oldest.next();
            if (e.getKey().equals(key)) {
                // every other ip:port is gone: this one keeps its newest alerts only
                while (bytes > maxBytes && kept.size() > 1) {
                    bytes -= kept.remove(0).cost();
                    series.truncated = true;
                }
                break;
            }
            for (final Kept gone : e.getValue().kept) {
                bytes -= gone.cost();
            }
            oldest.remove();
            evictedKeys++;
        }
    }

    /** What is kept of {@code key}: its alerts, oldest first (none when unknown). */
    synchronized Snapshot of(final String key) {
        final Series series = byKey.get(key);
        return series == null ? new Snapshot(List.of(), false) : new Snapshot(List.copyOf(series.kept), series.truncated);
    }

    /** The newest kept alert of {@code key} (highest transition number), or null. */
    synchronized Kept latest(final String key) {
        final Series series = byKey.get(key);
        return series == null || series.kept.isEmpty() ? null : series.kept.get(series.kept.size() - 1);
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int keys() {
        return byKey.size();
    }

    synchronized long evictedKeys() {
        return evictedKeys;
    }

    int perKey() {
        return perKey;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** The transition number in an alert id {@code ip:port#n}, or -1 when it has none. */
    static long transitionNumber(final String alertId) {
        final int hash = alertId.lastIndexOf('#');
        if (hash < 0) {
            return -1;
        }
        try {
            return Long.parseLong(alertId.substring(hash + 1));
        } catch (final NumberFormatException e) {
            return -1;
        }
    }
}
