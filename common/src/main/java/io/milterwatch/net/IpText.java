package io.milterwatch.net;

/**
 * The one implementation of address text: validation and canonical text (IPv4 dotted quad without
 * leading zeros, IPv6 in RFC 5952 compressed lower case) without {@code InetAddress} (which may
 * resolve names) and without regex, because the firewall parsers run it for every address of every
 * line. Endpoint keys ({@link io.milterwatch.kafka.Endpoints}), CIDR literals ({@link Cidr}) and
 * the parsers all use it.
 */
public final class IpText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private IpText() {
    }

    /** The canonical text of the address in {@code s[from, to)}, or null when it is not an IPv4 or IPv6 literal. */
    public static String canonical(final String s, final int from, final int to) {
        if (from >= to || to - from > 64) {
            return null;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                return ipv6(s, from, to);
            }
        }
        return ipv4(s, from, to) ? canonicalV4(s, from, to) : null;
    }

    /** The canonical text of {@code s}, or null when it is not an IPv4 or IPv6 literal. */
    public static String canonical(final String s) {
        return s == null ? null : canonical(s, 0, s.length());
    }

    private static boolean ipv4(final String s, final int from, final int to) {
        int parts = 0;
        int value = 0;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            final char c = i == to ? '.' : s.charAt(i);
            if (c == '.') {
                if (digits == 0 || value > 255) {
                    return false;
                }
                parts++;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return false;
                }
                value = value * 10 + (c - '0');
            } else {
                return false;
            }
        }
        return parts == 4;
    }

    private static String canonicalV4(final String s, final int from, final int to) {
        // Leading zeros ("010.1.1.1") are rare; only then is a new text built.
        boolean leadingZero = false;
        for (int i = from; i < to - 1; i++) {
            if (s.charAt(i) == '0' && (i == from || s.charAt(i - 1) == '.') && s.charAt(i + 1) != '.') {
                leadingZero = true;
                break;
            }
        }
        if (!leadingZero) {
            return from == 0 && to == s.length() ? s : s.substring(from, to);
        }
        final StringBuilder b = new StringBuilder(15);
        int value = 0;
        for (int i = from; i <= to; i++) {
            final char c = i == to ? '.' : s.charAt(i);
            if (c == '.') {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(value);
                value = 0;
            } else {
                value = value * 10 + (c - '0');
            }
        }
        return b.toString();
    }

    /** RFC 5952 text of an IPv6 literal (full, compressed, or with an embedded IPv4 tail); null when malformed. */
    private static String ipv6(final String s, final int from, final int to) {
        int end = to;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '%') {
                end = i; // zone index: not part of the address
                break;
            }
        }
        final int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = from;
        if (end - from >= 2 && s.charAt(from) == ':' && s.charAt(from + 1) == ':') {
            gap = 0;
            i = from + 2;
            if (i == end) {
                return "::";
            }
        } else if (s.charAt(from) == ':') {
            return null;
        }
        while (i < end) {
            int j = i;
            int value = 0;
            while (j < end && j - i < 5) {
                final int d = Character.digit(s.charAt(j), 16);
                if (d < 0) {
                    break;
                }
                value = value * 16 + d;
                j++;
            }
            if (j < end && s.charAt(j) == '.') {
                // Embedded IPv4 in the last 32 bits.
                if (count > 6 || !ipv4(s, i, end)) {
                    return null;
                }
                int octet = 0;
                int k = 0;
                final int[] octets = new int[4];
                for (int p = i; p <= end; p++) {
                    final char c = p == end ? '.' : s.charAt(p);
                    if (c == '.') {
                        octets[k++] = octet;
                        octet = 0;
                    } else {
                        octet = octet * 10 + (c - '0');
                    }
                }
                groups[count++] = octets[0] << 8 | octets[1];
                groups[count++] = octets[2] << 8 | octets[3];
                i = end;
                break;
            }
            if (j == i || j - i > 4 || count == 8) {
                return null;
            }
            groups[count++] = value;
            if (j == end) {
                i = end;
                break;
            }
            if (s.charAt(j) != ':') {
                return null;
            }
            if (j + 1 < end && s.charAt(j + 1) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i = j + 2;
                if (i == end) {
                    break;
                }
            } else {
                i = j + 1;
                if (i == end) {
                    return null;
                }
            }
        }
        final int[] full = new int[8];
        if (gap >= 0) {
            if (count > 7) {
                return null;
            }
            System.arraycopy(groups, 0, full, 0, gap);
            System.arraycopy(groups, gap, full, 8 - (count - gap), count - gap);
        } else {
            if (count != 8) {
                return null;
            }
            System.arraycopy(groups, 0, full, 0, 8);
        }
        return format(full);
    }

    private static String format(final int[] g) {
        if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
            // IPv4-mapped: the same endpoint as the IPv4 address (Java's InetAddress agrees), so one key.
            return (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        final StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            appendHex(b, g[i]);
        }
        return b.toString();
    }

    private static void appendHex(final StringBuilder b, final int v) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            final int d = (v >> shift) & 0xF;
            if (d != 0 || started || shift == 0) {
                b.append(HEX[d]);
                started = true;
            }
        }
    }
}
