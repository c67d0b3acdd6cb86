package io.milterwatch.processor.error;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A dying stream thread is replaced a bounded number of times, then the client shuts down loudly. */
public final class BoundedThreadReplacement implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(BoundedThreadReplacement.class);
    private final int maxReplacements;
    private final AtomicInteger replaced = new AtomicInteger();

    public BoundedThreadReplacement(final int maxReplacements) {
        this.maxReplacements = maxReplacements;
    }

    @Override
    public StreamThreadExceptionResponse handle(final Throwable exception) {
        final int n = replaced.incrementAndGet();
        if (n <= maxReplacements) {
            LOG.error("stream thread died ({} of {} replacements allowed); replacing it", n, maxReplacements, exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        LOG.error("stream thread died {} times; shutting the stream processor down", n, exception);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
}
