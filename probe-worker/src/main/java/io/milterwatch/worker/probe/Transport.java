package io.milterwatch.worker.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The sockets of one reactor: non-blocking TCP connections and the readiness of each. Everything
 * but {@link #wakeup()} is called from the reactor's own thread.
 *
 * <p>Two implementations: {@link EpollTransport} (Linux: Netty's native epoll, the fewest system
 * calls per connection) and {@link NioTransport} (Java NIO, everywhere). Both behave alike; the
 * engine's tests run against each.
 */
interface Transport extends AutoCloseable {

    /** Readiness a connection waits for. */
    int CONNECT = 1;
    int WRITE = 2;
    int READ = 4;

    /** Receives each ready connection's owner with what it is ready for. */
    @FunctionalInterface
    interface Ready {
        void ready(Session owner, Connection connection, int ops);
    }

    /** A connection being opened or open. */
    interface Connection {

        /**
         * Right after {@link Transport#open}: writes from {@code src} if the connection is already
         * established (on loopback and near hosts it often is), advancing its position.
         *
         * @return the bytes written, or -1 while the connect is still in progress (then wait for
         *         {@link #CONNECT})
         * @throws IOException how the connect failed
         */
        int writeIfConnected(ByteBuffer src) throws IOException;

        /** After {@link #CONNECT} readiness: true once connected; throws how the connect failed. */
        boolean finishConnect() throws IOException;

        /**
         * Once connected: true when the local and remote address and port are the same, a TCP
         * self-connect (only possible towards an address of this host: ask only for loopback).
         */
        boolean selfConnected() throws IOException;

        /** Writes from {@code src}, advancing its position; 0 when the socket takes nothing now. */
        int write(ByteBuffer src) throws IOException;

        /**
         * Writes the last bytes this side will send (the polite QUIT): as {@link #write}, but the
         * transport may hold them until {@link #close()} so that they leave in one segment with the FIN.
         */
        default int writeLast(final ByteBuffer src) throws IOException {
            return write(src);
        }

        /** Reads into {@code dst[off, off + len)}: the bytes read, 0 when none are there, -1 at the end. */
        int read(byte[] dst, int off, int len) throws IOException;

        /** Waits for this readiness only: {@link #CONNECT}, {@link #WRITE} or {@link #READ}. */
        void interest(int ops) throws IOException;

        /** Closes the socket (a plain close: a FIN, or a reset when unread bytes remain). */
        void close();
    }

    /**
     * Opens a non-blocking socket of the target's own family, bound to {@code source} when given,
     * and starts connecting. Never blocks.
     */
    Connection open(InetSocketAddress target, InetAddress source, Session owner) throws IOException;

    /**
     * Waits at most {@code timeoutMillis} (0: not at all) and hands every ready connection to
     * {@code sink}. A connection closed while its events are handed out gets none after that.
     * {@code stayAwake} is asked again right before the thread would block: true means there is
     * work (a {@link #wakeup()} may have come too early to end this poll).
     */
    void poll(long timeoutMillis, java.util.function.BooleanSupplier stayAwake, Ready sink) throws IOException;

    /** Ends a {@link #poll} in progress; callable from any thread. */
    void wakeup();

    /** Short name for logs and figures. */
    String name();

    @Override
    void close();

    /** A transport of the given kind for the reactor running on {@code owner}. */
    static Transport of(final TransportKind kind, final Thread owner) throws IOException {
        return switch (kind.resolve()) {
            case EPOLL -> new EpollTransport(owner);
            case NIO -> new NioTransport();
            default -> throw new IllegalStateException(kind.name());
        };
    }
}
