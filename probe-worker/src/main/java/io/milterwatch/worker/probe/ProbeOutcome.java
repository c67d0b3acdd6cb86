package io.milterwatch.worker.probe;

import java.util.List;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;

/**
 * What the probe of one ip:port found, before it is dressed as a ProbeResult. Timings are in
 * milliseconds; null where the stage was never reached.
 *
 * @param handshakes     handshakes tried, in order, one connection each
 * @param aximilterReply for AXIMILTER, the line that identified it
 * @param bytesSent      bytes sent over all connections of this probe
 * @param bytesRead      bytes read over all connections of this probe
 */
public record ProbeOutcome(
        Outcome outcome,
        MilterHandshake milter,
        String product,
        String productReason,
        String banner,
        String detail,
        Long connectMs,
        Long firstByteMs,
        long totalMs,
        List<Handshake> handshakes,
        String aximilterReply,
        long bytesSent,
        long bytesRead) {

    public ProbeOutcome {
        handshakes = List.copyOf(handshakes);
    }

    /** An outcome of a probe that never connected (refused by scope, resolution failure, expiry). */
    public static ProbeOutcome error(final String reason) {
        return new ProbeOutcome(Outcome.ERROR, null, null, null, null, reason, null, null, 0, List.of(), null, 0, 0);
    }
}
