package io.milterwatch.worker.probe;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;

/**
 * What one handshake against one ip:port found, before it is dressed as a ProbeResult.
 * Timings are in milliseconds; null where the stage was never reached.
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
        long totalMs) {
}
