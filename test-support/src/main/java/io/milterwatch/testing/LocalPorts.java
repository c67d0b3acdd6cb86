package io.milterwatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Ports on 127.0.0.1 for tests: a free one to bind a server to, and whether one answers. */
public final class LocalPorts {

    private LocalPorts() {
    }

    /** A port nothing listened on a moment ago (the usual race applies: bind it soon). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (final IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** Whether something accepts connections on the port of the loopback address (500 ms at most). */
    public static boolean listening(final int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (final IOException e) {
            return false;
        }
    }
}
