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
            return connectedAtOnce || channel.finishConnect() ? channel.write(src) : -1;
        }

        @Override
        public boolean finishConnect() throws IOException {
            return channel.finishConnect();
        }

        @Override
        public int write(final ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public int read(final byte[] dst, final int off, final int len) throws IOException {
            return channel.read(ByteBuffer.wrap(dst, off, len));
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
        final SocketChannel ch = SocketChannel.open(target.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.configureBlocking(false);
            if (source != null) {
                ch.bind(new InetSocketAddress(source, 0));
            }
            return new NioConnection(owner, ch, ch.connect(target));
        } catch (final IOException | RuntimeException e) {
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

    private static void closeQuietly(final java.io.Closeable c) {
        try {
            c.close();
        } catch (final IOException e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
