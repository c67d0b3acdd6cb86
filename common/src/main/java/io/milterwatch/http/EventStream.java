package io.milterwatch.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A server-sent-event stream that holds no thread: {@link #offer} queues an event (bounded; a client
 * too slow to take {@code maxQueued} events is dropped) and writes go out one after another as the
 * client reads them. When the client goes away, or the server stops, the stream closes and its
 * close actions run (for example, to stop listening for alerts).
 */
public final class EventStream {

    private final Response response;
    private final Callback done;
    private final int maxQueued;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private boolean writing;
    private boolean closed;
    private boolean endPending;

    EventStream(final Response response, final Callback done, final int maxQueued) {
        this.response = response;
        this.done = done;
        this.maxQueued = maxQueued;
    }

    /** Runs {@code action} once when the stream closes (at once if it already has). */
    public void onClose(final Runnable action) {
        final boolean now;
        synchronized (this) {
            now = closed;
            if (!now) {
                onClose.add(action);
            }
        }
        if (now) {
            action.run();
        }
    }

    /** Queues raw event-stream text (one or more complete events); false when the stream is closed or the client too slow. */
    public boolean offer(final String text) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (queue.size() >= maxQueued) {
                return false;
            }
            queue.add(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            if (writing) {
                return true;
            }
            writing = true;
        }
        pump();
        return true;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private void pump() {
        final ByteBuffer next;
        final boolean end;
        synchronized (this) {
            if (closed) {
                writing = false;
                end = endPending;
                endPending = false;
                next = null;
            } else {
                end = false;
                next = queue.poll();
                if (next == null) {
                    writing = false;
                    return;
                }
            }
        }
        if (end) {
            response.write(true, null, done);
        } else if (next != null) {
            response.write(false, next, Callback.from(this::pump, this::fail));
        }
    }

    private void fail(final Throwable failure) {
        close(failure);
    }

    /** Ends the stream (the response completes normally). */
    public void close() {
        close(null);
    }

    private void close(final Throwable failure) {
        final boolean endNow;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            // a write in flight finishes first; its completion ends the response
            endPending = failure == null && writing;
            endNow = failure == null && !writing;
        }
        for (final Runnable r : onClose) {
            try {
                r.run();
            } catch (final RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(EventStream.class).warn("closing an event stream: {}", e.toString());
            }
        }
        if (failure != null) {
            done.failed(failure);
        } else if (endNow) {
            response.write(true, null, done);
        }
    }
}
