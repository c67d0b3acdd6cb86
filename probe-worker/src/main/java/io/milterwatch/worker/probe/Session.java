package io.milterwatch.worker.probe;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state of one ip:port probe inside the reactor: its decision ({@link HandshakeClassifier}),
 * the connection of the current handshake, its bounded read buffer, its deadline, timings.
 * Touched only by the reactor thread.
 */
final class Session {

    /** Where the probe is; each stage but WAITING and DONE has a deadline (see {@link ProbeScheduler#enter}). */
    enum Stage { WAITING, CONNECTING, EXCHANGING, DONE }

    final InetSocketAddress address;
    final Consumer<ProbeOutcome> callback;
    final List<Handshake> plan;
    /** Created when the probe starts. */
    HandshakeClassifier decision;

    Stage stage = Stage.WAITING;
    /** The deadline of the current stage, or null (see {@link ProbeScheduler.Timer}). */
    ProbeScheduler.Timer timer;
    /** Bumped at every stage change; a timer of an older generation is stale. */
    int generation;

    Transport.Connection connection;
    ByteBuffer out;
    byte[] in = EMPTY;
    int inLen;

    long startNanos;
    long attemptStartNanos;
    long connectedNanos;
    Long connectMs;
    Long firstByteMs;
    long bytesSent;
    long bytesRead;

    private static final byte[] EMPTY = new byte[0];

    Session(final InetSocketAddress address, final List<Handshake> plan, final Consumer<ProbeOutcome> callback) {
        this.address = address;
        this.plan = plan;
        this.callback = callback;
        this.startNanos = System.nanoTime();
    }

    /** Handshakes tried so far. */
    List<Handshake> tried() {
        return decision == null ? List.of() : decision.tried();
    }

    void resetBuffer() {
        inLen = 0;
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }
}
