package io.milterwatch.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a log file like {@code tail -F}: complete lines only (a line still being written waits
 * for its newline), across rotation by rename (the old file is read to its end, then the new one
 * from its start) and by truncation (copytruncate: read again from the start).
 */
final class LogTailer implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogTailer.class);

    private final Path path;
    private final boolean fromStart;
    private final Duration poll;
    private final Consumer<String> sink;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private FileChannel channel;
    private Object fileKey;
    private volatile long lines;

    LogTailer(final Path path, final boolean fromStart, final Duration poll, final Consumer<String> sink) {
        this.path = path;
        this.fromStart = fromStart;
        this.poll = poll;
        this.sink = sink;
    }

    long lines() {
        return lines;
    }

    @Override
    public void run() {
        try {
            boolean first = true;
            while (closed.getCount() > 0) {
                if (channel == null) {
                    if (!open(first ? fromStart : true)) {
                        await();
                        continue;
                    }
                    first = false;
                }
                if (readAvailable() > 0) {
                    continue;
                }
                if (rotated()) {
                    continue;
                }
                await();
            }
        } catch (final IOException e) {
            throw new IllegalStateException("reading " + path + ": " + e.getMessage(), e);
        } finally {
            closeChannel();
            stopped.countDown();
        }
    }

    private boolean open(final boolean atStart) throws IOException {
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (final NoSuchFileException e) {
            return false;
        }
        fileKey = key(Files.readAttributes(path, BasicFileAttributes.class));
        if (!atStart) {
            channel.position(channel.size());
        }
        LOG.info("following {} from {}", path, atStart ? "its start" : "its end");
        return true;
    }

    private int readAvailable() throws IOException {
        buffer.clear();
        final int n = channel.read(buffer);
        if (n <= 0) {
            return 0;
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
            final byte b = buffer.get();
            if (b == '\n') {
                emit();
            } else {
                partial.write(b);
            }
        }
        return n;
    }

    private void emit() {
        byte[] bytes = partial.toByteArray();
        partial.reset();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') {
            len--;
        }
        sink.accept(new String(bytes, 0, len, StandardCharsets.UTF_8));
        lines++;
    }

    /** True when the path now names another file (renamed away) or the file shrank (truncated); the reader moved on. */
    private boolean rotated() throws IOException {
        final BasicFileAttributes now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (final NoSuchFileException e) {
            return false; // renamed, the new one not yet created: keep the old one open
        }
        if (!Objects.equals(key(now), fileKey)) {
            LOG.info("{} was rotated: following the new file from its start", path);
            if (partial.size() > 0) {
                emit(); // the old file's last line had no newline: it will not get one now
            }
            closeChannel();
            open(true);
            return true;
        }
        if (now.size() < channel.position()) {
            LOG.info("{} was truncated: reading again from its start", path);
            partial.reset();
            channel.position(0);
            return true;
        }
        return false;
    }

    private static Object key(final BasicFileAttributes attributes) {
        return attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
    }

    private void await() {
        try {
            closed.await(poll.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            closed.countDown();
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException e) {
                LOG.warn("closing {}: {}", path, e.getMessage());
            }
            channel = null;
        }
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
