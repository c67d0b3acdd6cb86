package io.milterwatch.worker.target;

import java.net.InetAddress;
import java.util.Locale;

import io.milterwatch.net.Cidr;

/**
 * The host part of a probe request, classified without any lookup: a CIDR range, an address
 * literal (IPv4, IPv6 with or without brackets), or a DNS name to resolve (every A and AAAA).
 */
public sealed interface TargetHost permits TargetHost.Range, TargetHost.Literal, TargetHost.Name {

    int MAX_NAME = 253;

    record Range(Cidr cidr) implements TargetHost {
    }

    record Literal(InetAddress address) implements TargetHost {
    }

    /** A DNS name, lower case, without a trailing dot. */
    record Name(String name) implements TargetHost {
    }

    /** Classifies {@code text}; a malformed host throws IllegalArgumentException naming it. */
    static TargetHost parse(final String text) {
        final String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == '%') {
                throw new IllegalArgumentException("host '" + s.replaceAll("[^\\x21-\\x7e]", "?") + "' contains a forbidden character (code "
                        + (int) c + ")");
            }
        }
        if (s.indexOf('/') >= 0) {
            return new Range(Cidr.parse(s));
        }
        if (s.matches("[0-9]+(\\.[0-9]+){3}") && s.matches("(.*\\.)?0[0-9].*")) {
            throw new IllegalArgumentException("host '" + s + "' has an octet with a leading zero, which some tools read as octal"
                    + " and others as decimal; write the address without leading zeros");
        }
        final InetAddress literal = Cidr.literal(s);
        if (literal != null) {
            return new Literal(literal);
        }
        if (s.indexOf(':') >= 0 || s.startsWith("[")) {
            throw new IllegalArgumentException("host '" + s + "' is not a valid IPv6 address");
        }
        final String name = (s.endsWith(".") ? s.substring(0, s.length() - 1) : s).toLowerCase(Locale.ROOT);
        if (name.length() > MAX_NAME || !name.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*")) {
            throw new IllegalArgumentException("host '" + s + "' is neither an address, a CIDR range nor a valid DNS name");
        }
        if (name.matches("[0-9.]+")) {
            throw new IllegalArgumentException("host '" + s + "' is not a valid IPv4 address");
        }
        return new Name(name);
    }
}
