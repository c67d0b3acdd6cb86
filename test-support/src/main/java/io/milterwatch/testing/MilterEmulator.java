package io.milterwatch.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP listener on loopback that answers like one of the milter implementations (or the
 * non-milters) described in the project's reference. It reads real frames, so a probe that sends
 * anything malformed is caught: every connection's received bytes are kept for assertions.
 */
public final class MilterEmulator implements AutoCloseable {

    /** How the listener behaves once a connection is accepted. */
    public enum Behaviour {
        /** libmilter v6 (opendkim-like): own flags, macro symbol lists appended. */
        LIBMILTER_V6,
        /** rspamd: v6 with protocol 0xFF080; an offer below 6 is dropped silently. */
        RSPAMD,
        /** go-milter / PMilter / jilter: always answers version 2. */
        GO_V2,
        /** libmilter v6 reply written as 4 + 1 + 12 bytes with pauses. */
        SPLIT_WRITES,
        /** An SMTP server: banner on connect. */
        SMTP,
        /** Echoes whatever it reads. */
        ECHO,
        /** Reads and never answers, never closes until the client does. */
        SILENT,
        /** Hostile: accepts and never reads a byte nor answers; holds the connection until the emulator closes. */
        NEVER_READS,
        /** Accepts, then closes at once without a byte. */
        CLOSE_AT_ONCE,
        /** An old milter: silent to the version-6 offer, answers the version-2 one. */
        V2_ONLY,
        /** AXIGEN AXIMilter: line protocol, PONG to PING, URL-encoded ERROR to an envelope; silent to anything else. */
        AXIMILTER,
        /** An AXIMilter that does not know PING: an error line to it, the envelope error to the envelope. */
        AXIMILTER_NO_PING,
        /** An AXIMilter that answers {@code pong} in lower case and its envelope error '+'-encoded. */
        AXIMILTER_LOWER_CASE,
        /**
         * Not AXIMilter: a daemon that answers PING with PONG and any other line with an error, closing
         * after each answer (one command per connection, as ClamAV's clamd outside a session).
         */
        PONG_AND_CLOSE,
        /** Hostile: a length field of 0xFFFFFFFF (4 GiB), 'O', then an endless stream. */
        HUGE_LENGTH,
        /** Hostile: a valid-looking frame announcing 65,536 bytes, then an endless stream of zeros. */
        ENDLESS_FRAME,
        /** Hostile: a valid milter reply, one byte a second. */
        TRICKLE,
        /** Hostile: answers like libmilter but ignores QUIT and never closes. */
        NEVER_CLOSES,
        /** Hostile: random bytes, as fast as they go, until the client leaves. */
        RANDOM_BYTES,
        /** Hostile: half a milter reply, then a TCP reset. */
        RESET_MID_FRAME
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "milter-emulator");
        t.setDaemon(true);
        return t;
    });
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();

    private MilterEmulator(final Behaviour behaviour, final InetAddress bind, final int port) throws IOException {
        this.behaviour = behaviour;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port), 128);
        threads.submit(this::acceptLoop);
    }

    public static MilterEmulator start(final Behaviour behaviour) throws IOException {
        return new MilterEmulator(behaviour, InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * A listener on a given port of 127.0.0.1: a listener closed and started again on its port, so that
     * a target goes from refusing to answering.
     */
    public static MilterEmulator start(final Behaviour behaviour, final int port) throws IOException {
        return new MilterEmulator(behaviour, InetAddress.getLoopbackAddress(), port);
    }

    /** A listener on another loopback address, {@code ::1} say. */
    public static MilterEmulator start(final Behaviour behaviour, final InetAddress loopback) throws IOException {
        if (!loopback.isLoopbackAddress()) {
            throw new IllegalArgumentException(loopback + " is not a loopback address");
        }
        return new MilterEmulator(behaviour, loopback, 0);
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetAddress address() {
        return server.getInetAddress();
    }

    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Most connections open at the same time. */
    public int maxOpen() {
        return maxOpen.get();
    }

    /** Connections the client closed (we saw its FIN or reset) before we gave up on it. */
    public int closedByClient() {
        return closedByClient.get();
    }

    /** Bytes each finished connection sent us, in order of closing. */
    public List<byte[]> received() {
        return List.copyOf(received);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
                accepted.incrementAndGet();
                maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                threads.submit(() -> serve(s));
            } catch (final IOException e) {
                return;
            }
        }
    }

    private void serve(final Socket socket) {
        final ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (socket) {
            socket.setSoTimeout(10_000);
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            switch (behaviour) {
                case SMTP -> {
                    out.write("220 mx.example.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    drain(in, seen);
                }
                case AXIMILTER, AXIMILTER_NO_PING, AXIMILTER_LOWER_CASE, PONG_AND_CLOSE -> aximilter(in, out, seen);
                case HUGE_LENGTH -> stream(in, out, seen, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'O'}, false);
                case ENDLESS_FRAME -> stream(in, out, seen, new byte[] {0, 1, 0, 0, 'O'}, false);
                case RANDOM_BYTES -> stream(in, out, seen, new byte[0], true);
                case TRICKLE -> {
                    final byte[] r = reply(6, 0x1F, 0x7F, "");
                    for (final byte b : r) {
                        out.write(b);
                        out.flush();
                        // A one-byte-a-second trickle is the behaviour under test.
                        TimeUnit.SECONDS.sleep(1);
                    }
                    drain(in, seen);
                }
                case RESET_MID_FRAME -> {
                    seen.write(in.readNBytes(17));
                    out.write(reply(6, 0x1F, 0x7F, ""), 0, 9);
                    out.flush();
                    socket.setSoLinger(true, 0);
                }
                case CLOSE_AT_ONCE -> {
                    // nothing: the try-with-resources closes the socket
                }
                case SILENT -> drain(in, seen);
                case NEVER_READS -> {
                    // Not reading is the behaviour under test: the probe's bytes stay in the socket buffers.
                    while (!server.isClosed()) {
                        TimeUnit.MILLISECONDS.sleep(100);
                    }
                }
                case ECHO -> {
                    final byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        seen.write(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
                default -> milter(in, out, seen);
            }
        } catch (final IOException e) {
            // the client went away; what it sent is kept below
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.decrementAndGet();
            received.add(seen.toByteArray());
        }
    }

    private void milter(final InputStream in, final OutputStream out, final ByteArrayOutputStream seen) throws IOException {
        while (true) {
            final byte[] header = in.readNBytes(4);
            seen.write(header);
            if (header.length < 4) {
                closedByClient.incrementAndGet();
                return;
            }
            final int len = ByteBuffer.wrap(header).getInt();
            if (len < 1 || len > 65536) {
                throw new IOException("malformed frame length " + len);
            }
            final byte[] body = in.readNBytes(len);
            seen.write(body);
            if (body.length < len) {
                return;
            }
            final char cmd = (char) body[0];
            if (cmd == 'Q') {
                return;
            }
            if (cmd != 'O' || len != 13) {
                throw new IOException("unexpected command " + cmd);
            }
            final int offered = ByteBuffer.wrap(body, 1, 4).getInt();
            switch (behaviour) {
                case V2_ONLY -> {
                    if (offered != 2) {
                        continue;
                    }
                    out.write(reply(2, 0x3F, 0x7F, ""));
                }
                case NEVER_CLOSES -> {
                    out.write(reply(6, 0x1F, 0x7F, ""));
                    out.flush();
                    // Ignores QUIT: reads until the client goes away.
                    drain(in, seen);
                    return;
                }
                case LIBMILTER_V6 -> out.write(reply(6, 0x1F, 0x1F0000L | 0x7F, "\u0000\u0000\u0000\u0001j {daemon_name} {auth_type}\u0000"
                        + "\u0000\u0000\u0000\u0005{rcpt_addr}\u0000"));
                case RSPAMD -> {
                    if (offered < 6) {
                        return;
                    }
                    out.write(reply(6, 0x1FF, 0xFF080L, ""));
                }
                case GO_V2 -> out.write(reply(2, 0x3F, 0x7F, ""));
                case SPLIT_WRITES -> {
                    final byte[] r = reply(6, 0x1F, 0x7F, "");
                    out.write(r, 0, 4);
                    out.flush();
                    pause();
                    out.write(r, 4, 1);
                    out.flush();
                    pause();
                    out.write(r, 5, r.length - 5);
                }
                default -> throw new IllegalStateException(behaviour.name());
            }
            out.flush();
        }
    }

    private static byte[] reply(final int version, final int actions, final long protocol, final String symbols) {
        final byte[] tail = symbols.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer b = ByteBuffer.allocate(4 + 13 + tail.length);
        b.putInt(13 + tail.length).put((byte) 'O').putInt(version).putInt(actions).putInt((int) protocol).put(tail);
        return b.array();
    }

    private void drain(final InputStream in, final ByteArrayOutputStream seen) throws IOException {
        final byte[] buf = new byte[4096];
        int n;
        try {
            while ((n = in.read(buf)) > 0) {
                seen.write(buf, 0, n);
            }
            if (n < 0) {
                closedByClient.incrementAndGet();
            }
        } catch (final SocketTimeoutException e) {
            // the client left the connection open past our own limit
        }
    }

    private void aximilter(final InputStream in, final OutputStream out, final ByteArrayOutputStream seen) throws IOException {
        final StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            seen.write(c);
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            final String l = line.toString().replace("\r", "");
            line.setLength(0);
            if (behaviour == Behaviour.PONG_AND_CLOSE) {
                out.write((l.equals("PING") ? "PONG\n" : "UNKNOWN COMMAND\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            if (l.equals("PING")) {
                out.write((switch (behaviour) {
                    case AXIMILTER -> "PONG\r\n";
                    case AXIMILTER_LOWER_CASE -> "pong\r\n";
                    default -> "ERROR:%20Unknown%20command\r\n";
                }).getBytes(StandardCharsets.US_ASCII));
            } else if (l.startsWith("VERI: ") && behaviour == Behaviour.AXIMILTER_LOWER_CASE) {
                out.write("ERROR:+Could+not+connect+to+Milter+implementation\r\n".getBytes(StandardCharsets.US_ASCII));
            } else if (l.startsWith("VERI: ")) {
                out.write("ERROR:%20Could%20not%20open%20message%20file\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        }
        closedByClient.incrementAndGet();
    }

    /** Writes {@code head}, then random bytes or zeros until the client leaves; reads what it sends meanwhile. */
    private void stream(final InputStream in, final OutputStream out, final ByteArrayOutputStream seen, final byte[] head,
            final boolean random) throws IOException {
        final byte[] buf = new byte[4096];
        // Our probe speaks first; keep what it said, then flood it.
        final int first = in.read(buf);
        if (first > 0) {
            seen.write(buf, 0, first);
        }
        out.write(head);
        final byte[] chunk = new byte[4096];
        final Random rnd = new Random(42);
        try {
            for (int i = 0; i < 4096; i++) {
                if (random) {
                    rnd.nextBytes(chunk);
                }
                out.write(chunk);
                if (in.available() > 0) {
                    final int n = in.read(buf);
                    if (n > 0) {
                        seen.write(buf, 0, n);
                    }
                }
            }
        } catch (final IOException e) {
            // the client closed while we were still writing: what a bounded reader does
            closedByClient.incrementAndGet();
            return;
        }
        drain(in, seen);
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(30);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
