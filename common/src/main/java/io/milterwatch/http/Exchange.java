package io.milterwatch.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;

/**
 * One request and its answer, for a handler that answers at once (or after a short blocking call,
 * such as asking another instance): read the method, path, query and headers, set headers, then
 * {@link #send} exactly once. The write itself is asynchronous: the handler's thread never waits on
 * a slow reader.
 */
public final class Exchange {

    private final Request request;
    private final Response response;
    private final Callback callback;
    private boolean sent;

    Exchange(final Request request, final Response response, final Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    public String method() {
        return request.getMethod();
    }

    /** The path, percent-decoded. */
    public String path() {
        final String raw = rawPath();
        return raw == null ? "/" : URIUtil.decodePath(raw);
    }

    /** The path as sent (still percent-encoded). */
    public String rawPath() {
        return request.getHttpURI().getPath();
    }

    /** The query as sent (percent-encoded), or null. */
    public String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    /** The query's parameters, decoded (the last of a repeated name wins). */
    public Map<String, String> query() {
        final Map<String, String> q = new TreeMap<>();
        final String raw = rawQuery();
        if (raw != null) {
            for (final String pair : raw.split("&")) {
                final int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    /** The first value of a request header, or null. */
    public String header(final String name) {
        return request.getHeaders().get(name);
    }

    public boolean hasHeader(final String name) {
        return request.getHeaders().contains(name);
    }

    public Exchange setHeader(final String name, final String value) {
        response.getHeaders().put(name, value);
        return this;
    }

    HttpFields.Mutable responseHeaders() {
        return response.getHeaders();
    }

    public boolean isSent() {
        return sent;
    }

    /** Answers with {@code body} (none for HEAD); once only. */
    public void send(final int status, final String contentType, final byte[] body) {
        if (sent) {
            throw new IllegalStateException("the answer to " + method() + " " + rawPath() + " was already sent");
        }
        sent = true;
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put("Content-Type", contentType);
        }
        if ("HEAD".equals(method()) || body == null) {
            response.write(true, null, callback);
        } else {
            response.getHeaders().put("Content-Length", Long.toString(body.length));
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }

    /** A plain-text answer. */
    public void sendText(final int status, final String text) {
        send(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    Request request() {
        return request;
    }

    Response response() {
        return response;
    }

    Callback callback() {
        return callback;
    }
}
