package io.milterwatch.worker.emulator;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
        /** Accepts, then closes at once without a byte. */
        CLOSE_AT_ONCE
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "milter-emulator");
        t.setDaemon(true);
        return t;
    });
    private final List<byte[]> received = new CopyOnWriteArrayList<>();

    private MilterEmulator(final Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        threads.submit(this::acceptLoop);
    }

    public static MilterEmulator start(final Behaviour behaviour) throws IOException {
        return new MilterEmulator(behaviour);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Bytes each finished connection sent us, in order of closing. */
    public List<byte[]> received() {
        return List.copyOf(received);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
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
                case CLOSE_AT_ONCE -> {
                    // nothing: the try-with-resources closes the socket
                }
                case SILENT -> drain(in, seen);
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
        } finally {
            received.add(seen.toByteArray());
        }
    }

    private void milter(final InputStream in, final OutputStream out, final ByteArrayOutputStream seen) throws IOException {
        while (true) {
            final byte[] header = in.readNBytes(4);
            seen.write(header);
            if (header.length < 4) {
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

    private static void drain(final InputStream in, final ByteArrayOutputStream seen) throws IOException {
        final byte[] buf = new byte[4096];
        int n;
        try {
            while ((n = in.read(buf)) > 0) {
                seen.write(buf, 0, n);
            }
        } catch (final SocketTimeoutException e) {
            // the client left the connection open past our own limit
        }
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
