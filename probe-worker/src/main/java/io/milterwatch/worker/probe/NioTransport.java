package io.milterwatch.worker.probe;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Java NIO: a selector and socket channels. Works everywhere; costs about twice the system calls of
 * {@link EpollTransport} per connection (blocking-mode fcntl pair, getsockname, poll plus
 * getsockopt in finishConnect, an explicit epoll_ctl removal).
 */
final class NioTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);

    private final Selector selector;
    /** Channels whose keys were cancelled: closed once the next select has deregistered them. */
    private final ArrayDeque<SocketChannel> toClose = new ArrayDeque<>();
    private volatile boolean closed;

    NioTransport() throws IOException {
        this.selector = Selector.open();
    }

    private final class NioConnection implements Connection {
        final Session owner;
        final SocketChannel channel;
        final boolean connectedAtOnce;
        SelectionKey key;

        NioConnection(final Session owner, final SocketChannel channel, final boolean connectedAtOnce) {
            this.owner = owner;
            this.channel = channel;
            this.connectedAtOnce = connectedAtOnce;
        }

        @Override
        public int writeIfConnected(final ByteBuffer src) throws IOException {
            // On loopback and near hosts the handshake is often done by the time connect() returns;
            // finishConnect() then saves a trip through the selector.
            try {
                return connectedAtOnce || channel.finishConnect() ? channel.write(src) : -1;
            } catch (final IOException e) {
                throw typed("connect", e);
            }
        }

        @Override
        public boolean finishConnect() throws IOException {
            try {
                return channel.finishConnect();
            } catch (final IOException e) {
                throw typed("connect", e);
            }
        }

        @Override
        public boolean selfConnected() throws IOException {
            try {
                return java.util.Objects.equals(channel.getLocalAddress(), channel.getRemoteAddress());
            } catch (final IOException e) {
                throw typed("getsockname", e);
            }
        }

        @Override
        public int write(final ByteBuffer src) throws IOException {
            try {
                return channel.write(src);
            } catch (final IOException e) {
                throw typed("write", e);
            }
        }

        @Override
        public int read(final byte[] dst, final int off, final int len) throws IOException {
            try {
                return channel.read(ByteBuffer.wrap(dst, off, len));
            } catch (final IOException e) {
                throw typed("read", e);
            }
        }

        @Override
        public void interest(final int ops) throws IOException {
            final int nio = (ops & CONNECT) != 0 ? SelectionKey.OP_CONNECT
                    : (ops & WRITE) != 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key == null) {
                key = channel.register(selector, nio, this);
            } else {
                key.interestOps(nio);
            }
        }

        /**
         * A channel still registered with the selector is only closed by the selector's next round
         * (NIO then shuts its output down first: two more system calls); so its key is cancelled
         * now and the channel closed right after that round, a plain close(2) that sends the FIN.
         */
        @Override
        public void close() {
            if (key != null && !closed) {
                key.cancel();
                key = null;
                toClose.add(channel);
                return;
            }
            closeQuietly(channel);
        }
    }

    @Override
    public Connection open(final InetSocketAddress target, final InetAddress source, final Session owner) throws IOException {
        // A socket of the address's own family: an IPv4 target gets no dual-stack socket.
        final SocketChannel ch;
        try {
            ch = SocketChannel.open(target.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        } catch (final IOException e) {
            throw typed("socket", e);
        }
        String call = "socket";
        try {
            ch.configureBlocking(false);
            if (source != null) {
                call = "bind";
                ch.bind(new InetSocketAddress(source, 0));
            }
            call = "connect";
            return new NioConnection(owner, ch, ch.connect(target));
        } catch (final IOException e) {
            closeQuietly(ch);
            throw typed(call, e);
        } catch (final RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    @Override
    public void poll(final long timeoutMillis, final java.util.function.BooleanSupplier stayAwake, final Ready sink) throws IOException {
        // A selector.wakeup() made before select() ends that select at once: stayAwake is not needed here.
        if (timeoutMillis == 0 || !toClose.isEmpty()) {
            selector.selectNow();
        } else {
            selector.select(timeoutMillis);
        }
        final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            final SelectionKey key = keys.next();
            keys.remove();
            final NioConnection c = (NioConnection) key.attachment();
            try {
                if (!key.isValid() || c.key != key) {
                    continue;
                }
                final int ready = key.readyOps();
                sink.ready(c.owner, c, (ready & SelectionKey.OP_CONNECT) != 0 ? CONNECT
                        : (ready & SelectionKey.OP_WRITE) != 0 ? WRITE : READ);
            } catch (final CancelledKeyException e) {
                // closed meanwhile
            }
        }
        SocketChannel ch;
        while ((ch = toClose.poll()) != null) {
            closeQuietly(ch);
        }
    }

    @Override
    public void wakeup() {
        if (selector.isOpen()) {
            selector.wakeup();
        }
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public void close() {
        closed = true;
        for (final SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        SocketChannel ch;
        while ((ch = toClose.poll()) != null) {
            closeQuietly(ch);
        }
        closeQuietly(selector);
    }

    /**
     * NIO's failure as the errno class it means. The JDK keeps no errno: it picks an exception type
     * by errno (ConnectException: ECONNREFUSED, ETIMEDOUT; NoRouteToHostException: EHOSTUNREACH;
     * BindException: EADDRINUSE, EADDRNOTAVAIL, EACCES; PortUnreachableException; SocketException
     * for the rest) and sets the C library's strerror text as the message. Where a type stands for
     * one errno class the type decides; where it stands for several, the strerror text gives the
     * errno back (glibc's fixed texts, {@link #STRERROR}); unknown text is OTHER.
     */
    static TransportException typed(final String call, final IOException e) {
        if (e instanceof TransportException t) {
            return t;
        }
        final int errno = errnoOf(e.getMessage());
        final ErrnoClass c;
        if (e instanceof java.net.NoRouteToHostException) {
            c = ErrnoClass.UNREACHABLE;
        } else if (e instanceof java.net.PortUnreachableException) {
            c = ErrnoClass.REFUSED;
        } else if (e instanceof java.net.ConnectException) {
            c = errno == ErrnoClass.ETIMEDOUT ? ErrnoClass.TIMED_OUT : ErrnoClass.REFUSED;
        } else if (e instanceof java.net.BindException) {
            c = errno == ErrnoClass.EACCES ? ErrnoClass.PROHIBITED : ErrnoClass.NO_LOCAL_PORT;
        } else {
            c = errno == 0 ? ErrnoClass.OTHER : ErrnoClass.ofErrno(errno);
        }
        return new TransportException(c, call + " failed: " + (errno == 0 ? String.valueOf(e.getMessage()) : ErrnoClass.errnoName(errno)), e);
    }

    /** glibc's strerror texts of the errnos {@link ErrnoClass} sorts, as NIO puts them in its messages. */
    private static final java.util.Map<String, Integer> STRERROR = java.util.Map.ofEntries(
            java.util.Map.entry("connection refused", ErrnoClass.ECONNREFUSED),
            java.util.Map.entry("connection timed out", ErrnoClass.ETIMEDOUT),
            java.util.Map.entry("no route to host", ErrnoClass.EHOSTUNREACH),
            java.util.Map.entry("network is unreachable", ErrnoClass.ENETUNREACH),
            java.util.Map.entry("host is down", ErrnoClass.EHOSTDOWN),
            java.util.Map.entry("machine is not on the network", ErrnoClass.ENONET),
            java.util.Map.entry("protocol not available", ErrnoClass.ENOPROTOOPT),
            java.util.Map.entry("permission denied", ErrnoClass.EACCES),
            java.util.Map.entry("operation not permitted", ErrnoClass.EPERM),
            java.util.Map.entry("cannot assign requested address", ErrnoClass.EADDRNOTAVAIL),
            java.util.Map.entry("address already in use", ErrnoClass.EADDRINUSE),
            java.util.Map.entry("resource temporarily unavailable", ErrnoClass.EAGAIN),
            java.util.Map.entry("too many open files", ErrnoClass.EMFILE),
            java.util.Map.entry("too many open files in system", ErrnoClass.ENFILE),
            java.util.Map.entry("connection reset", ErrnoClass.ECONNRESET),
            java.util.Map.entry("connection reset by peer", ErrnoClass.ECONNRESET),
            java.util.Map.entry("broken pipe", ErrnoClass.EPIPE));

    /** The errno whose strerror text the JDK's message is (it may add " (connect failed)" and the like), or 0. */
    static int errnoOf(final String message) {
        if (message == null) {
            return 0;
        }
        String m = message.strip().toLowerCase(java.util.Locale.ROOT);
        final int paren = m.indexOf(" (");
        if (paren > 0) {
            m = m.substring(0, paren);
        }
        return STRERROR.getOrDefault(m, 0);
    }

    private static void closeQuietly(final java.io.Closeable c) {
        try {
            c.close();
        } catch (final IOException e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
