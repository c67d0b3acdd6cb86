package io.milterwatch.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import io.milterwatch.kafka.Endpoints;

/**
 * An IPv4 or IPv6 address range in CIDR notation. Parsing never touches DNS: the address part must
 * be a literal. IPv4-mapped IPv6 text ({@code ::ffff:10.0.0.0/104}) is read as its IPv4 range, so a
 * range cannot slip past a check by changing its form.
 */
public record Cidr(byte[] network, int prefix) {

    public Cidr {
        network = network.clone();
        final int bits = network.length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " is outside 0.." + bits);
        }
        for (int bit = prefix; bit < bits; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
    }

    /** {@code 10.0.0.0/24}, {@code 2001:db8::/64}, or a bare literal (a single address). */
    public static Cidr parse(final String text) {
        final String s = text.trim();
        final int slash = s.indexOf('/');
        final String addressText = slash < 0 ? s : s.substring(0, slash);
        final InetAddress address = literal(addressText);
        if (address == null) {
            throw new IllegalArgumentException("'" + text + "': '" + addressText + "' is not an IPv4 or IPv6 address literal");
        }
        final int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            final String p = s.substring(slash + 1);
            try {
                prefix = Integer.parseInt(p);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': '" + p + "' is not a prefix length");
            }
            if (addressText.indexOf(':') >= 0 && address instanceof Inet4Address) {
                // ::ffff:a.b.c.d/len written in IPv6 form: the same range in IPv4 terms.
                prefix -= 96;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix /" + p + " is outside 0.." + bits);
            }
        }
        return new Cidr(address.getAddress(), prefix);
    }

    /**
     * An address literal without any name lookup, or null when the text is not one. IPv6 may come
     * in brackets; a zone id ({@code %eth0}) is refused.
     */
    public static InetAddress literal(final String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty() || s.indexOf('%') >= 0) {
            return null;
        }
        final String canonical = IpText.canonical(s);
        if (canonical == null) {
            return null;
        }
        try {
            // A literal (IpText checked it), so it is parsed, never resolved.
            return InetAddress.getByName(canonical);
        } catch (final UnknownHostException e) {
            return null;
        }
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    /** Number of addresses in the range. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(network.length * 8 - prefix);
    }

    public boolean contains(final InetAddress address) {
        final byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        return samePrefix(a, network, prefix);
    }

    /** Every address of {@code other} is inside this range. */
    public boolean encloses(final Cidr other) {
        return other.network.length == network.length && other.prefix >= prefix && samePrefix(other.network, network, prefix);
    }

    public boolean overlaps(final Cidr other) {
        return encloses(other) || other.encloses(this);
    }

    private static boolean samePrefix(final byte[] a, final byte[] b, final int prefix) {
        for (int bit = 0; bit < prefix; bit++) {
            final int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The addresses of the range, at most {@code limit} (the caller checks {@link #size()} first).
     * For IPv4 ranges of 4 addresses or more the network and broadcast addresses are left out: no
     * host answers on them.
     */
    public List<InetAddress> addresses(final int limit) {
        final BigInteger size = size();
        if (size.compareTo(BigInteger.valueOf(limit)) > 0) {
            throw new IllegalArgumentException(this + " has " + size + " addresses, more than the limit of " + limit);
        }
        final int n = size.intValueExact();
        final boolean skipEnds = isIpv4() && n >= 4;
        final BigInteger base = new BigInteger(1, network);
        final List<InetAddress> out = new ArrayList<>(n);
        for (int i = skipEnds ? 1 : 0; i < (skipEnds ? n - 1 : n); i++) {
            out.add(toAddress(base.add(BigInteger.valueOf(i))));
        }
        return out;
    }

    private InetAddress toAddress(final BigInteger value) {
        final byte[] raw = value.toByteArray();
        final byte[] bytes = new byte[network.length];
        final int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return Endpoints.canonical(InetAddress.getByAddress(network)) + "/" + prefix;
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
