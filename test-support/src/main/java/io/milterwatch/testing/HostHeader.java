package io.milterwatch.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP/1.1 GET to 127.0.0.1 with a {@code Host} header of the test's choosing (the JDK's
 * client does not let a request set Host), answered as status and body.
 */
public final class HostHeader {

    private HostHeader() {
    }

    public record Answer(int statusCode, String body) {
    }

    public static Answer get(final int port, final String path, final String host) throws IOException {
        return get(port, path, host, Map.of());
    }

    public static Answer get(final int port, final String path, final String host, final Map<String, String> headers) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(10_000);
            final StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            req.append("\r\n");
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            final InputStream in = s.getInputStream();
            final ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            final String text = all.toString(StandardCharsets.UTF_8);
            final int status = Integer.parseInt(text.substring(9, 12));
            final int bodyAt = text.indexOf("\r\n\r\n");
            return new Answer(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4));
        }
    }
}
