package io.milterwatch.processor.logic;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.milterwatch.net.Cidr;
import io.milterwatch.schema.Zone;

/**
 * Classifies firewall source addresses: inside one of the configured internal networks is
 * {@code INTERNAL}, anything else (and anything that is not an address literal) is {@code EXTERNAL}.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) are judged as the IPv4 address they carry.
 */
public final class NetworkClassifier {

    /** RFC 1918, loopback, IPv6 unique-local and loopback. */
    public static final String DEFAULT_INTERNAL = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,fc00::/7,::1/128";

    private final List<Cidr> internal;

    private NetworkClassifier(final List<Cidr> internal) {
        this.internal = List.copyOf(internal);
    }

    /** @param cidrs comma-separated CIDR list; a bad entry is an IllegalArgumentException naming it */
    public static NetworkClassifier of(final String cidrs) {
        final List<Cidr> networks = new ArrayList<>();
        for (final String raw : cidrs.split(",")) {
            final String cidr = raw.trim();
            if (cidr.isEmpty()) {
                continue;
            }
            try {
                networks.add(Cidr.parse(cidr.indexOf('/') < 0 ? cidr + (cidr.indexOf(':') < 0 ? "/32" : "/128") : cidr));
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + cidr + "' is not a CIDR network: " + e.getMessage(), e);
            }
        }
        return new NetworkClassifier(networks);
    }

    public Zone zoneOf(final String ip) {
        final InetAddress address = ip == null ? null : unmapped(Cidr.literal(ip));
        if (address == null) {
            return Zone.EXTERNAL;
        }
        for (final Cidr n : internal) {
            if (n.contains(address)) {
                return Zone.INTERNAL;
            }
        }
        return Zone.EXTERNAL;
    }

    private static InetAddress unmapped(final InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a;
        }
        final byte[] b = a.getAddress();
        boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = b[i] == 0;
        }
        try {
            return mapped ? InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)) : a;
        } catch (final java.net.UnknownHostException e) {
            return a;
        }
    }
}
