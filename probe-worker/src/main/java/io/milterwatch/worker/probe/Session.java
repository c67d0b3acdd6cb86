package io.milterwatch.worker.probe;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state of one ip:port probe inside the reactor: which handshakes were tried, the connection
 * of the current one, its bounded read buffer, timings. Touched only by the reactor thread.
 */
final class Session {

    enum Stage { WAITING, CONNECTING, WRITING, READING, DONE }

    final InetSocketAddress address;
    final Consumer<ProbeOutcome> callback;
    final List<Handshake> plan;
    final List<Handshake> tried = new ArrayList<>(3);
    final List<String> notes = new ArrayList<>(3);

    Stage stage = Stage.WAITING;
    Handshake current;
    /** The deadline of the current stage, or null (see {@link Reactor.Timer}). */
    Reactor.Timer timer;
    /** Bumped at every stage change; a timer of an older generation is stale. */
    int generation;
    boolean envelopeSent;
    boolean anyConnected;
    byte[] request;

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

    /** The next handshake of the plan not tried yet, or null. */
    Handshake nextUntried() {
        for (final Handshake h : plan) {
            if (!tried.contains(h)) {
                return h;
            }
        }
        return null;
    }

    boolean triedMilter() {
        return tried.contains(Handshake.MILTER_V6);
    }

    void resetBuffer() {
        inLen = 0;
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }
}
