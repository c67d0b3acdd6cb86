package io.milterwatch.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's "mail host": three listeners on one loopback address that answer like the real
 * thing, each on its usual port when that is free (otherwise on any free port): an AXIGEN
 * AXIMilter (line protocol: {@code PONG} to {@code PING}, the URL-encoded envelope error to an
 * envelope), a libmilter milter as OpenDKIM answers (version 6, macro symbol lists), and rspamd's
 * milter (version 6, protocol flags 0xff080).
 *
 * <p>With {@link #turnAway(InetAddress)} the listeners close every connection from that address
 * as soon as they accept it, as a daemon with an allow-list of peers (or TCP wrappers) does; the
 * demo uses that only when it cannot set a firewall rule. A prober sees such a port as open but
 * answering nothing (OPEN_SILENT), not as refused.
 */
final class DemoMilters implements AutoCloseable {

    /** What one listener is. */
    enum Kind {
        AXIMILTER(1981, "AXIGEN AXIMilter"), OPENDKIM(8891, "OpenDKIM-like libmilter milter"), RSPAMD(11332, "rspamd milter");

        final int usualPort;
        final String label;

        Kind(final int usualPort, final String label) {
            this.usualPort = usualPort;
            this.label = label;
        }
    }

    /** One listener: what it is and where. */
    record Listener(Kind kind, String host, int port) {
        String endpoint() {
            return host + ":" + port;
        }
    }

    private static final int MAX_FRAME = 65_536;

    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "demo-milter");
        t.setDaemon(true);
        return t;
    });
    private volatile InetAddress turnedAway;

    DemoMilters(final InetAddress address) throws IOException {
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException(address + " is not a loopback address");
        }
        try {
            for (final Kind kind : Kind.values()) {
                final ServerSocket server = bind(address, kind.usualPort);
                servers.add(server);
                listeners.add(new Listener(kind, address.getHostAddress(), server.getLocalPort()));
                threads.submit(() -> acceptLoop(server, kind));
            }
        } catch (final IOException e) {
            close();
            throw e;
        }
    }

    private static ServerSocket bind(final InetAddress address, final int usualPort) throws IOException {
        final ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(address, usualPort), 64);
        } catch (final IOException taken) {
            server.close();
            final ServerSocket any = new ServerSocket();
            any.bind(new InetSocketAddress(address, 0), 64);
            return any;
        }
        return server;
    }

    List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    /** From now on, connections from this address are closed as soon as they are accepted; null accepts everyone again. */
    void turnAway(final InetAddress peer) {
        turnedAway = peer;
    }

    private void acceptLoop(final ServerSocket server, final Kind kind) {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
                final InetAddress away = turnedAway;
                if (away != null && away.equals(s.getInetAddress())) {
                    s.close();
                    continue;
                }
                threads.submit(() -> serve(s, kind));
            } catch (final IOException e) {
                return;
            } catch (final java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private static void serve(final Socket socket, final Kind kind) {
        try (socket) {
            socket.setSoTimeout(10_000);
            if (kind == Kind.AXIMILTER) {
                aximilter(socket.getInputStream(), socket.getOutputStream());
            } else {
                milter(socket.getInputStream(), socket.getOutputStream(), kind);
            }
        } catch (final IOException e) {
            // the client went away or sent something no milter would read; either way the connection is over
        }
    }

    private static void milter(final InputStream in, final OutputStream out, final Kind kind) throws IOException {
        while (true) {
            final byte[] header = in.readNBytes(4);
            if (header.length < 4) {
                return;
            }
            final int len = ByteBuffer.wrap(header).getInt();
            if (len < 1 || len > MAX_FRAME) {
                return;
            }
            final byte[] body = in.readNBytes(len);
            if (body.length < len || body[0] == 'Q') {
                return;
            }
            if (body[0] != 'O' || len != 13) {
                return;
            }
            out.write(kind == Kind.RSPAMD ? reply(0x1FF, 0xFF080L, "")
                    : reply(0x1F, 0x1F0000L | 0x7F, "\u0000\u0000\u0000\u0001j {daemon_name} {auth_type}\u0000"
                            + "\u0000\u0000\u0000\u0005{rcpt_addr}\u0000"));
            out.flush();
        }
    }

    private static byte[] reply(final int actions, final long protocol, final String symbols) {
        final byte[] tail = symbols.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer b = ByteBuffer.allocate(4 + 13 + tail.length);
        b.putInt(13 + tail.length).put((byte) 'O').putInt(6).putInt(actions).putInt((int) protocol).put(tail);
        return b.array();
    }

    private static void aximilter(final InputStream in, final OutputStream out) throws IOException {
        final StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c != '\n') {
                if (line.length() > 1024) {
                    return;
                }
                line.append((char) c);
                continue;
            }
            final String l = line.toString().replace("\r", "");
            line.setLength(0);
            if (l.equals("PING")) {
                out.write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
            } else if (l.startsWith("VERI: ")) {
                out.write("ERROR:%20Could%20not%20open%20message%20file\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        }
    }

    @Override
    public void close() {
        for (final ServerSocket s : servers) {
            try {
                s.close();
            } catch (final IOException e) {
                // closing a listener that is going away anyway
            }
        }
        threads.shutdownNow();
    }
}
