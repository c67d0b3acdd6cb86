package io.milterwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines of bytes ({@code \n}, {@code \r\n}) and decodes them as UTF-8 without ever holding
 * more than {@code maxBytes} of one line: the rest of a longer line is read and dropped, so an
 * endless line (say {@code /dev/zero}) costs a bounded buffer, not the heap. A line that is not
 * valid UTF-8 is decoded with U+FFFD in place of each bad sequence and says so, rather than
 * failing the whole input as {@link java.io.BufferedReader} does.
 */
final class BoundedLineReader implements AutoCloseable {

    /** One line: its text (at most {@code maxBytes} of it decoded), the bytes kept, and what was wrong with it. */
    record Line(String text, int bytes, boolean tooLong, boolean malformedUtf8) {
    }

    private final InputStream in;
    private final int maxBytes;
    private final byte[] line;
    private final byte[] buffer = new byte[64 * 1024];
    private int pos;
    private int limit;
    private boolean skipping;

    BoundedLineReader(final InputStream in, final int maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maximum line length " + maxBytes + " is not positive");
        }
        this.in = in;
        this.maxBytes = maxBytes;
        this.line = new byte[maxBytes];
    }

    /**
     * The next line, or null at the end of the input (a last line without a newline is a line).
     * A line longer than {@code maxBytes} is returned as soon as its first {@code maxBytes} are
     * read, flagged {@code tooLong}; its rest is skipped by the next call, never buffered.
     */
    Line next() throws IOException {
        if (skipping && !skipRest()) {
            return null;
        }
        int kept = 0;
        boolean any = false;
        while (true) {
            if (pos == limit && !fill()) {
                return any ? line(kept, false) : null;
            }
            any = true;
            if (kept == maxBytes && buffer[pos] != '\n') {
                skipping = true;
                return line(kept, true);
            }
            final int start = pos;
            final int stop = Math.min(limit, start + maxBytes - kept);
            while (pos < stop && buffer[pos] != '\n') {
                pos++;
            }
            System.arraycopy(buffer, start, line, kept, pos - start);
            kept += pos - start;
            if (pos < limit && buffer[pos] == '\n') {
                pos++;
                return line(kept, false);
            }
        }
    }

    /** Drops bytes up to and including the next newline; false at the end of the input. */
    private boolean skipRest() throws IOException {
        while (true) {
            if (pos == limit && !fill()) {
                skipping = false;
                return false;
            }
            while (pos < limit) {
                if (buffer[pos++] == '\n') {
                    skipping = false;
                    return true;
                }
            }
        }
    }

    private boolean fill() throws IOException {
        final int n = in.read(buffer);
        pos = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }

    private Line line(final int kept, final boolean tooLong) {
        int len = kept;
        if (!tooLong && len > 0 && line[len - 1] == '\r') {
            len--;
        }
        final ByteBuffer in = ByteBuffer.wrap(line, 0, len);
        try {
            return new Line(decoder(CodingErrorAction.REPORT).decode(in).toString(), len, tooLong, false);
        } catch (final CharacterCodingException e) {
            in.rewind();
            final CharBuffer replaced;
            try {
                replaced = decoder(CodingErrorAction.REPLACE).decode(in);
            } catch (final CharacterCodingException impossible) {
                throw new IllegalStateException("UTF-8 decoding with replacement failed", impossible);
            }
            // A line cut at maxBytes may end inside a character: that is the cut, not bad input.
            return new Line(replaced.toString(), len, tooLong, !tooLong || malformedBeforeCut(len));
        }
    }

    /** Whether the kept bytes of a cut line hold a bad sequence before the last (possibly cut) character. */
    private boolean malformedBeforeCut(final int len) {
        int end = len;
        // step back over at most 3 continuation bytes and their lead byte
        for (int i = 0; i < 4 && end > 0; i++) {
            final int b = line[end - 1] & 0xff;
            end--;
            if ((b & 0xc0) != 0x80) {
                break;
            }
        }
        try {
            decoder(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line, 0, end));
            return false;
        } catch (final CharacterCodingException e) {
            return true;
        }
    }

    private static CharsetDecoder decoder(final CodingErrorAction action) {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(action).onUnmappableCharacter(action);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
