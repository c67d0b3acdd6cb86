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
 *
 * <p>Truncation is noticed even when the writer has already written past the old read position
 * by the time the file is looked at again (logrotate's {@code copytruncate} followed by a burst
 * of lines): the last bytes read ({@link #FINGERPRINT_BYTES}) are compared with what the file now
 * holds at that place before anything more is read, as a file that only grows keeps them.
 *
 * <p>At most {@code maxLineBytes} of a line are kept; a longer line is handed on cut, with its
 * full length, so one endless line costs a bounded buffer.
 */
final class LogTailer implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogTailer.class);

    /** How many of the last bytes read are compared to tell a rewritten file from a grown one. */
    static final int FINGERPRINT_BYTES = 64;

    /**
     * One line of the file: its bytes (without the newline; at most the tailer's maximum, so
     * {@code bytes.length < length} means it was cut), where it starts in the file, and its length.
     */
    record Line(byte[] bytes, long offset, long length) {
        boolean cut() {
            return bytes.length < length;
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private final Path path;
    private final boolean fromStart;
    private final Duration poll;
    private final Consumer<Line> sink;
    private final int maxLineBytes;
    private final byte[] fingerprint = new byte[FINGERPRINT_BYTES];
    private int fingerprintLength;
    private long lineStart;
    private long lineLength;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private FileChannel channel;
    private Object fileKey;
    private volatile long lines;
    /** Stop at the end of the file instead of following it (a finished log read once). */
    private volatile boolean stopAtEnd;

    /** Lines as text, up to 1 MiB each. */
    LogTailer(final Path path, final boolean fromStart, final Duration poll, final Consumer<String> sink) {
        this(path, fromStart, poll, 1024 * 1024, line -> sink.accept(line.text()));
    }

    LogTailer(final Path path, final boolean fromStart, final Duration poll, final int maxLineBytes, final Consumer<Line> sink) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maximum line length " + maxLineBytes + " is not positive");
        }
        this.path = path;
        this.fromStart = fromStart;
        this.poll = poll;
        this.maxLineBytes = maxLineBytes;
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
                if (truncated()) {
                    continue;
                }
                if (readAvailable() > 0) {
                    continue;
                }
                if (rotated()) {
                    continue;
                }
                if (stopAtEnd) {
                    if (lineLength > 0) {
                        emit(); // the file's last line, without its newline: the file is finished
                    }
                    break;
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
        fingerprintLength = 0;
        if (!atStart) {
            channel.position(channel.size());
            remember(channel.position());
        }
        lineStart = channel.position();
        lineLength = 0;
        LOG.info("following {} from {}", path, atStart ? "its start" : "its end");
        return true;
    }

    private int readAvailable() throws IOException {
        buffer.clear();
        final long at = channel.position();
        final int n = channel.read(buffer);
        if (n <= 0) {
            return 0;
        }
        buffer.flip();
        remember(buffer);
        int i = 0;
        while (buffer.hasRemaining()) {
            final byte b = buffer.get();
            i++;
            if (b == '\n') {
                emit();
                lineStart = at + i;
            } else {
                if (partial.size() < maxLineBytes) {
                    partial.write(b);
                }
                lineLength++;
            }
        }
        return n;
    }

    private void emit() {
        byte[] bytes = partial.toByteArray();
        long length = lineLength;
        partial.reset();
        lineLength = 0;
        if (length == bytes.length && bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
            bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
            length--;
        }
        sink.accept(new Line(bytes, lineStart, length));
        lines++;
    }

    /** Keeps the last bytes just read as the fingerprint of the file up to the read position. */
    private void remember(final ByteBuffer read) {
        final int n = read.remaining();
        if (n >= FINGERPRINT_BYTES) {
            read.get(read.limit() - FINGERPRINT_BYTES, fingerprint, 0, FINGERPRINT_BYTES);
            fingerprintLength = FINGERPRINT_BYTES;
            return;
        }
        final int keep = Math.min(fingerprintLength, FINGERPRINT_BYTES - n);
        System.arraycopy(fingerprint, fingerprintLength - keep, fingerprint, 0, keep);
        read.get(read.position(), fingerprint, keep, n);
        fingerprintLength = keep + n;
    }

    /** The fingerprint of a file opened at {@code position} (its end): read from the file itself. */
    private void remember(final long position) throws IOException {
        final int n = (int) Math.min(FINGERPRINT_BYTES, position);
        final ByteBuffer b = ByteBuffer.wrap(fingerprint, 0, n);
        long at = position - n;
        while (b.hasRemaining()) {
            final int r = channel.read(b, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        fingerprintLength = b.position();
    }

    /**
     * True when the file is shorter than the read position, or no longer holds the bytes last read
     * just before it (truncated and written again): then reading starts again from the start.
     */
    private boolean truncated() throws IOException {
        final long position = channel.position();
        final long size = channel.size();
        boolean rewritten = size < position;
        if (!rewritten && fingerprintLength > 0) {
            final ByteBuffer now = ByteBuffer.allocate(fingerprintLength);
            long at = position - fingerprintLength;
            while (now.hasRemaining()) {
                final int r = channel.read(now, at);
                if (r < 0) {
                    break;
                }
                at += r;
            }
            rewritten = now.hasRemaining() || !java.util.Arrays.equals(now.array(), 0, fingerprintLength, fingerprint, 0, fingerprintLength);
        }
        if (!rewritten) {
            return false;
        }
        LOG.warn("{} was truncated (now {} bytes, read up to {}): reading it again from its start{}", path, size, position,
                lineLength > 0 ? "; the " + lineLength + " bytes of an unfinished line are dropped" : "");
        partial.reset();
        lineLength = 0;
        lineStart = 0;
        fingerprintLength = 0;
        channel.position(0);
        return true;
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
            if (lineLength > 0) {
                emit(); // the old file's last line had no newline: it will not get one now
            }
            closeChannel();
            open(true);
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

    /** From now on the tailer stops when it reaches the end of the file, after the last line (with or without a newline). */
    LogTailer stopAtEnd() {
        stopAtEnd = true;
        return this;
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
