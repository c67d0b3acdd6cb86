package io.milterwatch.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that hold an HTTP server's connections on loopback the way a hostile tester did: each
 * sends {@code request} (say a request head without its closing blank line, or a complete request
 * for an event stream) and then never reads nor writes again, until closed.
 */
public final class HostileHttpClients implements AutoCloseable {

    /** A request head that never ends: no blank line after the headers. */
    public static final String UNFINISHED_HEAD = "GET /health/live HTTP/1.1\r\nHost: x\r\n";

    private final List<Socket> sockets = new ArrayList<>();

    private HostileHttpClients() {
    }

    /** Opens {@code count} connections to 127.0.0.1:{@code port}, each sending {@code request} once. */
    public static HostileHttpClients open(final int port, final int count, final String request) throws IOException {
        final HostileHttpClients clients = new HostileHttpClients();
        try {
            for (int i = 0; i < count; i++) {
                final Socket s = new Socket();
                clients.sockets.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                final OutputStream out = s.getOutputStream();
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (final IOException e) {
            clients.close();
            throw e;
        }
        return clients;
    }

    /** How many of the connections the server has closed (read returns end of stream or fails), waiting at most {@code millis} on each. */
    public int closedByServer(final int millis) {
        int closed = 0;
        for (final Socket s : sockets) {
            try {
                s.setSoTimeout(millis);
                final var in = s.getInputStream();
                int r;
                do {
                    r = in.read();
                } while (r >= 0);
                closed++;
            } catch (final java.net.SocketTimeoutException e) {
                // still open
            } catch (final IOException e) {
                closed++;
            }
        }
        return closed;
    }

    @Override
    public void close() {
        for (final Socket s : sockets) {
            try {
                s.close();
            } catch (final IOException e) {
                // closing anyway
            }
        }
    }
}
