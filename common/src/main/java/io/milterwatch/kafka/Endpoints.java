package io.milterwatch.kafka;

import java.net.Inet6Address;
import java.net.InetAddress;

/** The {@code ip:port} keys of per-address topics: IPv4 as dotted quad, IPv6 compressed and in brackets. */
public final class Endpoints {

    private Endpoints() {
    }

    public static String key(final InetAddress address, final int port) {
        return key(address.getHostAddress(), address instanceof Inet6Address, port);
    }

    public static String key(final String ip, final int port) {
        return key(ip, ip.indexOf(':') >= 0, port);
    }

    private static String key(final String ip, final boolean v6, final int port) {
        final String bare = stripScope(ip);
        return v6 ? "[" + compress(bare) + "]:" + port : bare + ":" + port;
    }

    /** Canonical text of an address: IPv6 in RFC 5952 compressed lower-case form. */
    public static String canonical(final InetAddress address) {
        final String text = stripScope(address.getHostAddress());
        return address instanceof Inet6Address ? compress(text) : text;
    }

    private static String stripScope(final String ip) {
        final int percent = ip.indexOf('%');
        return percent >= 0 ? ip.substring(0, percent) : ip;
    }

    /** RFC 5952: lower case, no leading zeros, the longest run (of two or more) of zero groups as "::". */
    static String compress(final String ipv6) {
        final String[] parts = ipv6.toLowerCase(java.util.Locale.ROOT).split(":", -1);
        if (parts.length != 8) {
            return ipv6.toLowerCase(java.util.Locale.ROOT);
        }
        final String[] groups = new String[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = parts[i].isEmpty() ? "0" : Integer.toHexString(Integer.parseInt(parts[i], 16));
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (!groups[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            return String.join(":", groups);
        }
        final String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        final String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, 8));
        return head + "::" + tail;
    }
}
