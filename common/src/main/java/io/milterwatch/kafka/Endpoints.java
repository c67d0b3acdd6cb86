package io.milterwatch.kafka;

import java.net.InetAddress;

import io.milterwatch.net.IpText;

/** The {@code ip:port} keys of per-address topics: IPv4 as dotted quad, IPv6 compressed and in brackets. */
public final class Endpoints {

    private Endpoints() {
    }

    public static String key(final InetAddress address, final int port) {
        final String text = canonical(address);
        return text.indexOf(':') >= 0 ? "[" + text + "]:" + port : text + ":" + port;
    }

    /** The key of {@code ip} (any IPv4 or IPv6 text, canonical in the key) and {@code port}; text that is no address is kept. */
    public static String key(final String ip, final int port) {
        final String text = canonicalText(ip);
        return text.indexOf(':') >= 0 ? "[" + text + "]:" + port : text + ":" + port;
    }

    /** Canonical text of an address: IPv6 in RFC 5952 compressed lower-case form (one implementation: {@link IpText}). */
    public static String canonical(final InetAddress address) {
        final String text = canonicalText(address.getHostAddress());
        // An IPv6 socket address that holds an IPv4-mapped address stays IPv6, in RFC 5952's section 5 form.
        return address instanceof java.net.Inet6Address && text.indexOf(':') < 0 ? "::ffff:" + text : text;
    }

    private static String canonicalText(final String ip) {
        final String text = IpText.canonical(ip);
        if (text != null) {
            return text;
        }
        final String bare = stripScope(ip);
        return bare.indexOf(':') >= 0 ? bare.toLowerCase(java.util.Locale.ROOT) : bare;
    }

    private static String stripScope(final String ip) {
        final int percent = ip.indexOf('%');
        return percent >= 0 ? ip.substring(0, percent) : ip;
    }
}
