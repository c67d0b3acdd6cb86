package io.milterwatch.worker.emulator;

import java.util.Arrays;

import io.milterwatch.worker.probe.AxiMilterProtocol;
import io.milterwatch.worker.probe.MilterProtocol;

/**
 * What a probe may send on one connection, and nothing else: the v6 or v2 OPTNEG, then possibly
 * QUIT; or {@code PING\r\n}, then possibly the %-free envelope; or clamd's {@code nVERSION\n}.
 */
public final class WellFormed {

    private WellFormed() {
    }

    /** Null when {@code sent} is one of the allowed sequences (or a prefix cut by a closing server), else why not. */
    public static String problem(final byte[] sent) {
        for (final byte b : sent) {
            if (b == '%') {
                return "contains '%'";
            }
        }
        final byte[] v6 = MilterProtocol.optnegV6();
        final byte[] v2 = MilterProtocol.optnegV2();
        final byte[] quit = MilterProtocol.quit();
        final byte[] ping = AxiMilterProtocol.ping();
        final byte[] envelope = AxiMilterProtocol.envelope();
        final byte[][] allowed = {v6, concat(v6, quit), v2, concat(v2, quit), ping, concat(ping, envelope), AxiMilterProtocol.clamdVersion()};
        for (final byte[] a : allowed) {
            if (sent.length <= a.length && Arrays.equals(sent, Arrays.copyOf(a, sent.length))) {
                return null;
            }
        }
        return "unexpected bytes: " + Arrays.toString(Arrays.copyOf(sent, Math.min(sent.length, 40)));
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
