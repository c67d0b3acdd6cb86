package io.milterwatch.processor.logic;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import io.milterwatch.schema.Zone;

/**
 * Classifies firewall source addresses: inside one of the configured internal networks is
 * {@code INTERNAL}, anything else (and anything that is not an address literal) is {@code EXTERNAL}.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) are judged as the IPv4 address they carry.
 */
public final class NetworkClassifier {

    /** RFC 1918, loopback, IPv6 unique-local and loopback. */
    public static final String DEFAULT_INTERNAL = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,fc00::/7,::1/128";

    private record Network(byte[] prefix, int bits) {
        boolean contains(final byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int left = bits;
            for (int i = 0; i < address.length && left > 0; i++, left -= 8) {
                final int mask = left >= 8 ? 0xFF : (0xFF << (8 - left)) & 0xFF;
                if ((address[i] & mask) != (prefix[i] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Network> internal;

    private NetworkClassifier(final List<Network> internal) {
        this.internal = List.copyOf(internal);
    }

    /** @param cidrs comma-separated CIDR list; a bad entry is an IllegalArgumentException naming it */
    public static NetworkClassifier of(final String cidrs) {
        final List<Network> networks = new ArrayList<>();
        for (final String raw : cidrs.split(",")) {
            final String cidr = raw.trim();
            if (cidr.isEmpty()) {
                continue;
            }
            final int slash = cidr.indexOf('/');
            final String addressText = slash < 0 ? cidr : cidr.substring(0, slash);
            final byte[] address = literal(addressText);
            if (address == null) {
                throw new IllegalArgumentException("'" + cidr + "' is not a CIDR network (address literal expected)");
            }
            final int max = address.length * 8;
            final int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + cidr + "': prefix length is not a number");
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("'" + cidr + "': prefix length " + bits + " is outside 0.." + max);
            }
            networks.add(new Network(address, bits));
        }
        return new NetworkClassifier(networks);
    }

    public Zone zoneOf(final String ip) {
        final byte[] address = literal(ip);
        if (address == null) {
            return Zone.EXTERNAL;
        }
        for (final Network n : internal) {
            if (n.contains(address)) {
                return Zone.INTERNAL;
            }
        }
        return Zone.EXTERNAL;
    }

    /** The bytes of an IP literal (never a DNS lookup), IPv4-mapped IPv6 unwrapped; null if not a literal. */
    static byte[] literal(final String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        final boolean looksV4 = text.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
        final boolean looksV6 = text.indexOf(':') >= 0 && text.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (!looksV4 && !looksV6) {
            return null;
        }
        try {
            final InetAddress a = InetAddress.getByName(text);
            if (a instanceof Inet6Address v6) {
                final byte[] b = v6.getAddress();
                boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
                for (int i = 0; i < 10 && mapped; i++) {
                    mapped = b[i] == 0;
                }
                return mapped ? java.util.Arrays.copyOfRange(b, 12, 16) : b;
            }
            return a instanceof Inet4Address ? a.getAddress() : null;
        } catch (final UnknownHostException e) {
            return null;
        }
    }
}
