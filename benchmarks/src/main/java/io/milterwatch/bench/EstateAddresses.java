package io.milterwatch.bench;

/**
 * The loopback addresses of bench-estate's silent targets: target {@code i} is
 * {@code 127.A.B.C:PORT} with every octet in 1..254 (no .0 and no .255 anywhere), counting up from
 * 127.100.1.1, so that any probe result's key maps back to its target number without a table.
 * 127.0.0.0/16 stays free for the real listeners.
 */
final class EstateAddresses {

    static final int MAX = 154 * 254 * 254;
    private static final int FIRST = 100;

    private EstateAddresses() {
    }

    static String ip(final int i) {
        if (i < 0 || i >= MAX) {
            throw new IllegalArgumentException("target number " + i + " is outside 0.." + (MAX - 1));
        }
        return "127." + (FIRST + i / (254 * 254)) + "." + (1 + i / 254 % 254) + "." + (1 + i % 254);
    }

    /** The target number of an {@code ip:port} key of {@link #ip(int)}, or -1 for any other key. */
    static int index(final String key) {
        final int colon = key.lastIndexOf(':');
        if (colon < 0 || !key.startsWith("127.")) {
            return -1;
        }
        final String[] o = key.substring(4, colon).split("\\.", -1);
        if (o.length != 3) {
            return -1;
        }
        try {
            final int a = Integer.parseInt(o[0]) - FIRST;
            final int b = Integer.parseInt(o[1]) - 1;
            final int c = Integer.parseInt(o[2]) - 1;
            if (a < 0 || b < 0 || b > 253 || c < 0 || c > 253) {
                return -1;
            }
            final long i = (long) a * 254 * 254 + b * 254L + c;
            return i < MAX ? (int) i : -1;
        } catch (final NumberFormatException e) {
            return -1;
        }
    }
}
