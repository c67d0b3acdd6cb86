package io.milterwatch.http;

import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Whether a request's {@code Host} header names this server: the defence against DNS rebinding, in
 * which a page on another site makes its own name resolve to 127.0.0.1 and then reads a server
 * without a token through the victim's browser. Such a request carries the attacker's name as its
 * Host, so only the names the server is reachable by pass: the configured and advertised hosts,
 * {@code localhost} (and {@code *.localhost}, which browsers resolve to loopback themselves), any
 * IP address literal (a rebinding page cannot have one as its origin's name), and extra names from
 * configuration ({@code *} lets every name pass). A request without Host (HTTP/1.0) passes: browsers
 * always send one.
 */
public final class HostCheck {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Set<String> names = new TreeSet<>();
    private final boolean any;

    public HostCheck(final Collection<String> names) {
        boolean star = false;
        for (final String n : names) {
            if (n == null || n.isBlank()) {
                continue;
            }
            final String name = normalise(n.trim());
            if ("*".equals(name)) {
                star = true;
            } else {
                this.names.add(name);
            }
        }
        this.any = star;
        this.names.add("localhost");
    }

    /** Whether {@code hostHeader} (a Host value: name, name:port, [v6]:port; null when absent) is allowed. */
    public boolean allows(final String hostHeader) {
        if (any || hostHeader == null) {
            return true;
        }
        final String host = hostOf(hostHeader.trim());
        if (host.isEmpty()) {
            return false;
        }
        if (host.startsWith("[") || IPV4.matcher(host).matches()) {
            return true;
        }
        return names.contains(host) || host.endsWith(".localhost");
    }

    /** The host part of a Host value, lower case, without port or trailing dot. */
    static String hostOf(final String value) {
        String host = value;
        if (host.startsWith("[")) {
            final int end = host.indexOf(']');
            return end < 0 ? "" : host.substring(0, end + 1).toLowerCase(Locale.ROOT);
        }
        final int colon = host.indexOf(':');
        if (colon >= 0) {
            if (host.indexOf(':', colon + 1) >= 0) {
                return "[" + host.toLowerCase(Locale.ROOT) + "]"; // a bare IPv6 literal
            }
            host = host.substring(0, colon);
        }
        return normalise(host);
    }

    private static String normalise(final String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.contains(":") && !n.startsWith("[")) {
            n = "[" + n + "]";
        }
        return n;
    }
}
