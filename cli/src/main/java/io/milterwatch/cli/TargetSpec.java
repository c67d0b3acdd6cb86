package io.milterwatch.cli;

import java.util.List;

/**
 * A target as a user types it: {@code HOST:PORT}, {@code [IPV6]:PORT}, a bare IPv6 literal, a bare
 * host (the worker's default milter ports), or a CIDR range with or without a port
 * ({@code 192.0.2.0/28}, {@code 192.0.2.0/28:8891}, {@code 2001:db8::/120}, {@code [2001:db8::/120]:8891}).
 * The worker expands a range, up to its size limit. The id is the text as normalised here.
 */
record TargetSpec(String id, String host, List<Integer> ports) {

    /** Longest host name DNS allows; with brackets, a port and a prefix length, a target is never longer than MAX_TEXT. */
    static final int MAX_HOST = 253;
    static final int MAX_TEXT = MAX_HOST + 12;

    static TargetSpec parse(final String text) {
        final String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty target; expected HOST:PORT, [IPV6]:PORT or HOST");
        }
        if (s.length() > MAX_TEXT) {
            throw new IllegalArgumentException("'" + printable(s.substring(0, 40)) + "...': " + s.length()
                    + " characters; a target is at most " + MAX_TEXT + " (a host name at most " + MAX_HOST + ")");
        }
        final TargetSpec spec = parseChecked(s);
        if (spec.host().length() > MAX_HOST) {
            throw new IllegalArgumentException("'" + printable(s.substring(0, 40)) + "...': host is longer than " + MAX_HOST + " characters");
        }
        return spec;
    }

    private static TargetSpec parseChecked(final String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == '%') {
                throw new IllegalArgumentException("'" + printable(s) + "': forbidden character (code " + (int) c + ")");
            }
        }
        if (s.startsWith("[")) {
            final int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + s + "': missing ']' after the IPv6 address");
            }
            final String host = s.substring(1, close);
            final String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                return new TargetSpec(s, host, List.of());
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("'" + s + "': expected ':PORT' after ']'");
            }
            final int port = port(s, rest.substring(1));
            return new TargetSpec(s, host, List.of(port));
        }
        final int slash = s.indexOf('/');
        if (slash >= 0) {
            return range(s, slash);
        }
        final int colon = s.indexOf(':');
        if (colon < 0) {
            return new TargetSpec(s, s, List.of());
        }
        if (s.indexOf(':', colon + 1) >= 0) {
            // more than one colon and no brackets: a bare IPv6 literal
            return new TargetSpec(s, s, List.of());
        }
        if (colon == 0) {
            throw new IllegalArgumentException("'" + s + "': missing host before ':'");
        }
        return new TargetSpec(s, s.substring(0, colon), List.of(port(s, s.substring(colon + 1))));
    }

    /** {@code A.B.C.D/N}, {@code A.B.C.D/N:PORT} or a bare IPv6 range {@code X::/N}. */
    private static TargetSpec range(final String s, final int slash) {
        final String prefix = s.substring(0, slash);
        final String rest = s.substring(slash + 1);
        final int colon = rest.indexOf(':');
        if (prefix.indexOf(':') >= 0 || colon < 0) {
            checkPrefixLength(s, colon < 0 ? rest : rest.substring(0, colon), prefix.indexOf(':') >= 0 ? 128 : 32);
            if (colon >= 0) {
                throw new IllegalArgumentException("'" + s + "': write an IPv6 range with a port as [PREFIX/LEN]:PORT");
            }
            return new TargetSpec(s, s, List.of());
        }
        checkPrefixLength(s, rest.substring(0, colon), 32);
        return new TargetSpec(s, s.substring(0, slash + 1 + colon), List.of(port(s, rest.substring(colon + 1))));
    }

    private static void checkPrefixLength(final String whole, final String text, final int max) {
        try {
            final int len = Integer.parseInt(text);
            if (len < 0 || len > max) {
                throw new IllegalArgumentException("'" + whole + "': prefix length " + len + " is outside 0.." + max);
            }
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + whole + "': '" + text + "' is not a prefix length");
        }
    }

    private static int port(final String whole, final String text) {
        try {
            final int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + whole + "': port " + port + " is outside 1..65535");
            }
            return port;
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + whole + "': '" + text + "' is not a port number");
        }
    }

    private static String printable(final String s) {
        return s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
