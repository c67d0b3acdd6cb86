package io.milterwatch.processor.firewall;

import java.util.Map;

/** {@code key=value} pairs separated by spaces, values optionally in double quotes with backslash escapes. */
final class KeyValues {

    private KeyValues() {
    }

    /** Adds every pair of {@code s[from..]} to {@code out}; the first occurrence of a key wins. */
    static void parse(final String s, final int from, final Map<String, String> out) {
        final int n = s.length();
        int p = from;
        while (p < n) {
            while (p < n && (s.charAt(p) == ' ' || s.charAt(p) == '\t' || s.charAt(p) == '[' || s.charAt(p) == ']')) {
                p++;
            }
            final int keyStart = p;
            while (p < n && s.charAt(p) != '=' && s.charAt(p) != ' ') {
                p++;
            }
            if (p >= n || s.charAt(p) != '=') {
                continue; // a word without '=': skip it
            }
            final String key = s.substring(keyStart, p);
            p++;
            final String value;
            if (p < n && s.charAt(p) == '"') {
                final StringBuilder b = new StringBuilder();
                p++;
                while (p < n && s.charAt(p) != '"') {
                    if (s.charAt(p) == '\\' && p + 1 < n) {
                        p++;
                    }
                    b.append(s.charAt(p));
                    p++;
                }
                p++;
                value = b.toString();
            } else {
                final int valueStart = p;
                while (p < n && s.charAt(p) != ' ' && s.charAt(p) != ']') {
                    p++;
                }
                value = s.substring(valueStart, p);
            }
            out.putIfAbsent(key, value);
        }
    }
}
