package io.milterwatch.worker.probe;

/**
 * Bounds of one probe, on our side: how long a connect may take, and how long the whole exchange
 * after it may take before the port is called silent. Both strictly positive.
 */
public record ProbeTimeouts(int connectMs, int replyMs) {

    public ProbeTimeouts {
        if (connectMs <= 0 || replyMs <= 0) {
            throw new IllegalArgumentException("probe timeouts must be positive: connect " + connectMs + " ms, reply " + replyMs + " ms");
        }
    }
}
