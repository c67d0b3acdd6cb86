package io.milterwatch.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Non-blocking libmilter-like listeners on 127.0.0.1 for the benchmark: each answers the 17-byte
 * OPTNEG with a version-6 reply and a macro symbol list, then waits for QUIT or the close. Anything
 * that is not a 13-byte OPTNEG or QUIT (nmap's service probes, say) is answered by a close.
 */
final class LoopbackMilters implements AutoCloseable {

    private static final byte[] REPLY = reply();

    private final Selector selector;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final Thread thread;
    private final AtomicLong handshakes = new AtomicLong();
    private volatile boolean closing;
    private final java.util.ArrayDeque<java.nio.channels.Channel> toClose = new java.util.ArrayDeque<>();

    LoopbackMilters(final int count) throws IOException {
        this(count, 1);
    }

    /** {@code count} listeners spread over the addresses 127.0.0.1 to 127.0.0.{addresses}. */
    LoopbackMilters(final int count, final int addresses) throws IOException {
        if (addresses < 1 || addresses > 254) {
            throw new IllegalArgumentException("addresses " + addresses + " is outside 1..254");
        }
        selector = Selector.open();
        for (int i = 0; i < count; i++) {
            final ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % addresses)}), 0), 4096);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            servers.add(server);
        }
        thread = new Thread(this::loop, "bench-milters");
        thread.setDaemon(true);
        thread.start();
    }

    List<Integer> ports() {
        return servers.stream().map(s -> s.socket().getLocalPort()).toList();
    }

    /** Where the listeners are, in the order they were opened. */
    List<InetSocketAddress> addresses() {
        return servers.stream().map(s -> (InetSocketAddress) s.socket().getLocalSocketAddress()).toList();
    }

    long handshakes() {
        return handshakes.get();
    }

    private static byte[] reply() {
        final byte[] symbols = "j {daemon_name}\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        final ByteBuffer b = ByteBuffer.allocate(17 + 4 + symbols.length);
        b.putInt(13 + 4 + symbols.length).put((byte) 'O').putInt(6).putInt(0x1F).putInt(0x1F007F).putInt(1).put(symbols);
        return b.array();
    }

    private void loop() {
        final ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        try {
            while (!closing) {
                if (toClose.isEmpty()) {
                    selector.select(500);
                } else {
                    selector.selectNow();
                }
                closeDeregistered();
                final Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    final SelectionKey key = it.next();
                    it.remove();
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel ch;
                            while ((ch = ((ServerSocketChannel) key.channel()).accept()) != null) {
                                ch.configureBlocking(false);
                                ch.register(selector, SelectionKey.OP_READ, new int[1]);
                            }
                        } else if (key.isReadable()) {
                            read(key, buf);
                        }
                    } catch (final IOException e) {
                        close(key);
                    }
                }
            }
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void read(final SelectionKey key, final ByteBuffer buf) throws IOException {
        final SocketChannel ch = (SocketChannel) key.channel();
        final int[] seen = (int[]) key.attachment();
        buf.clear();
        final int n = ch.read(buf);
        if (n < 0) {
            close(key);
            return;
        }
        buf.flip();
        if (seen[0] == 0) {
            if (n < 17 || buf.getInt(0) != 13 || buf.get(4) != 'O') {
                close(key);
                return;
            }
            seen[0] = 17;
            ch.write(ByteBuffer.wrap(REPLY));
            handshakes.incrementAndGet();
            if (n >= 22 && buf.get(21) == 'Q') {
                close(key);
            }
        } else if (buf.remaining() >= 5 && buf.get(4) == 'Q') {
            close(key);
        }
    }

    /**
     * Cancels the key and closes the channel once the selector has deregistered it: a plain
     * close(2), where closing a registered channel costs NIO a shutdown and an option read more.
     */
    private void close(final SelectionKey key) {
        key.cancel();
        toClose.add(key.channel());
    }

    private void closeDeregistered() throws IOException {
        java.nio.channels.Channel ch;
        while ((ch = toClose.poll()) != null) {
            ch.close();
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (final SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }
}
