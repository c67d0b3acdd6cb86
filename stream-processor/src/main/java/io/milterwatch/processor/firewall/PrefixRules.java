package io.milterwatch.processor.firewall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.milterwatch.schema.FirewallAction;

/**
 * Maps a netfilter log prefix (the only place a netfilter line says what happened to the packet) to
 * an action. User rules come first, in order: {@code TEXT=ACTION} pairs matched case-insensitively
 * as substrings. Then built-in rules: ufw and Ubiquiti prefixes, and the words of the prefix
 * (REJECT; DROP/DENY/BLOCK; ACCEPT/ALLOW/PASS...). A prefix whose words disagree, or say nothing,
 * gives UNKNOWN: a guess would be worse than no answer.
 */
public final class PrefixRules {

    /** What a prefix means. AUDIT is ufw's "packet seen, decision logged separately". */
    public enum Meaning { ALLOW, DROP, REJECT, UNKNOWN, AUDIT }

    private static final int CACHE_LIMIT = 4096;

    private final List<String> userTexts;
    private final List<Meaning> userMeanings;
    // Real streams carry a handful of distinct prefixes; the cache makes the lookup one hash probe.
    private final Map<String, Meaning> cache = new HashMap<>();

    private PrefixRules(final List<String> texts, final List<Meaning> meanings) {
        this.userTexts = List.copyOf(texts);
        this.userMeanings = List.copyOf(meanings);
    }

    public static PrefixRules builtIn() {
        return new PrefixRules(List.of(), List.of());
    }

    /**
     * Parses {@code TEXT=ACTION[,TEXT=ACTION...]} (ACTION one of ALLOW, DROP, REJECT, UNKNOWN, AUDIT).
     *
     * @throws IllegalArgumentException naming the bad pair
     */
    public static PrefixRules parse(final String spec) {
        final List<String> texts = new ArrayList<>();
        final List<Meaning> meanings = new ArrayList<>();
        if (spec != null && !spec.isBlank()) {
            for (final String pair : spec.split(",")) {
                final int eq = pair.lastIndexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("prefix rule '" + pair.strip() + "' is not TEXT=ACTION");
                }
                final String text = pair.substring(0, eq).strip();
                final String action = pair.substring(eq + 1).strip().toUpperCase(Locale.ROOT);
                try {
                    meanings.add(Meaning.valueOf(action));
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("prefix rule '" + pair.strip() + "': action '" + action
                            + "' is not one of ALLOW, DROP, REJECT, UNKNOWN, AUDIT", e);
                }
                texts.add(text.toUpperCase(Locale.ROOT));
            }
        }
        return new PrefixRules(texts, meanings);
    }

    /** Not thread-safe (the cache): one instance per parser. */
    public Meaning meaning(final String prefix) {
        final Meaning cached = cache.get(prefix);
        if (cached != null) {
            return cached;
        }
        final Meaning m = compute(prefix);
        if (cache.size() < CACHE_LIMIT) {
            cache.put(prefix, m);
        }
        return m;
    }

    static FirewallAction action(final Meaning meaning) {
        return switch (meaning) {
            case ALLOW -> FirewallAction.ALLOW;
            case DROP -> FirewallAction.DROP;
            case REJECT -> FirewallAction.REJECT;
            case UNKNOWN, AUDIT -> FirewallAction.UNKNOWN;
        };
    }

    private Meaning compute(final String prefix) {
        final String upper = prefix.toUpperCase(Locale.ROOT);
        for (int i = 0; i < userTexts.size(); i++) {
            if (upper.contains(userTexts.get(i))) {
                return userMeanings.get(i);
            }
        }
        if (upper.contains("[UFW AUDIT")) {
            return Meaning.AUDIT;
        }
        if (upper.contains("[UFW BLOCK]") || upper.contains("[UFW LIMIT BLOCK]")) {
            return Meaning.DROP;
        }
        if (upper.contains("[UFW ALLOW]")) {
            return Meaning.ALLOW;
        }
        final Meaning ubiquiti = ubiquiti(upper);
        if (ubiquiti != null) {
            return ubiquiti;
        }
        return byWords(upper);
    }

    /** EdgeOS / UniFi: {@code [RULESET-NUMBER-X]} where X is A (accept), D (drop) or R (reject). */
    private static Meaning ubiquiti(final String upper) {
        final int close = upper.indexOf(']');
        if (upper.indexOf('[') < 0 || close < 3 || upper.charAt(close - 2) != '-') {
            return null;
        }
        final char last = upper.charAt(close - 1);
        final char digit = upper.charAt(close - 3);
        if (digit < '0' || digit > '9' && digit != 'T') {
            return null; // "-DEFAULT-D]" ends in a word, handled below too
        }
        return switch (last) {
            case 'A' -> Meaning.ALLOW;
            case 'D' -> Meaning.DROP;
            case 'R' -> Meaning.REJECT;
            default -> null;
        };
    }

    private static Meaning byWords(final String upper) {
        Meaning found = null;
        int i = 0;
        final int n = upper.length();
        while (i < n) {
            while (i < n && !Character.isLetter(upper.charAt(i))) {
                i++;
            }
            final int start = i;
            while (i < n && Character.isLetter(upper.charAt(i))) {
                i++;
            }
            if (start == i) {
                break;
            }
            final Meaning m = word(upper.substring(start, i));
            if (m != null) {
                if (found != null && found != m) {
                    return Meaning.UNKNOWN;
                }
                found = m;
            }
        }
        return found == null ? Meaning.UNKNOWN : found;
    }

    private static Meaning word(final String w) {
        return switch (w) {
            case "REJECT", "REJECTED", "REJ" -> Meaning.REJECT;
            case "DROP", "DROPPED", "DENY", "DENIED", "BLOCK", "BLOCKED", "DISCARD" -> Meaning.DROP;
            case "ACCEPT", "ACCEPTED", "ACC", "ALLOW", "ALLOWED", "PASS", "PERMIT", "PERMITTED" -> Meaning.ALLOW;
            default -> null;
        };
    }
}
