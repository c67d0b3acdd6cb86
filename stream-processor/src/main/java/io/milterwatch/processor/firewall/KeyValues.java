package io.milterwatch.processor.firewall;

import java.util.Map;

/**
 * {@code key=value} pairs separated by spaces (or, with {@code commas}, by commas too: FortiOS's
 * {@code format csv}), values optionally in double quotes with backslash escapes.
 */
final class KeyValues {

    private KeyValues() {
    }

    /** Adds every pair of {@code s[from..]} to {@code out}; the first occurrence of a key wins. */
    static void parse(final String s, final int from, final Map<String, String> out) {
        parse(s, from, out, false);
    }

    /**
     * As {@link #parse(String, int, Map)}; with {@code commas}, a comma outside quotes also ends a pair when
     * the next key follows it ({@code a=1,b="x,y",c=3}), so a comma inside an unquoted value that is not
     * followed by {@code key=} stays in the value.
     */
    static void parse(final String s, final int from, final Map<String, String> out, final boolean commas) {
        final int n = s.length();
        int p = from;
        while (p < n) {
            while (p < n && (s.charAt(p) == ' ' || s.charAt(p) == '\t' || s.charAt(p) == '[' || s.charAt(p) == ']'
                    || commas && s.charAt(p) == ',')) {
                p++;
            }
            final int keyStart = p;
            while (p < n && s.charAt(p) != '=' && s.charAt(p) != ' ' && !(commas && s.charAt(p) == ',')) {
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
                while (p < n && s.charAt(p) != ' ' && s.charAt(p) != ']' && !(commas && s.charAt(p) == ',' && keyFollows(s, p + 1))) {
                    p++;
                }
                value = s.substring(valueStart, p);
            }
            out.putIfAbsent(key, value);
        }
    }

    /** True when {@code s[at..]} starts with a key and '='. */
    static boolean keyFollows(final String s, final int at) {
        int p = at;
        while (p < s.length()) {
            final char c = s.charAt(p);
            if (c == '=') {
                return p > at;
            }
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
            p++;
        }
        return false;
    }
}
