package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BoundedLineReaderTest {

    /** Like /dev/zero: zero bytes without end, and never a newline. */
    private static final class Zeros extends InputStream {
        long read;

        @Override
        public int read() {
            read++;
            return 0;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 0);
            read += len;
            return len;
        }
    }

    @Test
    void shouldAnswerTooLongAfterTheMaximumWhenTheInputIsAnEndlessLine() throws Exception {
        // given
        final Zeros zeros = new Zeros();
        try (BoundedLineReader reader = new BoundedLineReader(zeros, 4096)) {
            // when
            final BoundedLineReader.Line line = reader.next();

            // then: answered after one buffer of input, not after the heap is gone
            assertThat(line.tooLong()).isTrue();
            assertThat(line.bytes()).isEqualTo(4096);
            assertThat(line.text()).hasSize(4096);
            assertThat(zeros.read).isLessThanOrEqualTo(128 * 1024);
        }
    }

    @Test
    void shouldSkipTheRestOfALongLineAndReadTheNextWhenTheLineEnds() throws Exception {
        // given
        final byte[] input = ("a".repeat(300_000) + "\nshort\r\nlast").getBytes(StandardCharsets.UTF_8);
        try (BoundedLineReader reader = new BoundedLineReader(new ByteArrayInputStream(input), 1000)) {
            // when / then
            assertThat(reader.next()).isEqualTo(new BoundedLineReader.Line("a".repeat(1000), 1000, true, false));
            assertThat(reader.next()).isEqualTo(new BoundedLineReader.Line("short", 5, false, false));
            assertThat(reader.next()).isEqualTo(new BoundedLineReader.Line("last", 4, false, false));
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void shouldKeepALineOfExactlyTheMaximumWhenItEndsThere() throws Exception {
        try (BoundedLineReader reader = new BoundedLineReader(new ByteArrayInputStream("abcd\nef\n".getBytes(StandardCharsets.UTF_8)), 4)) {
            assertThat(reader.next()).isEqualTo(new BoundedLineReader.Line("abcd", 4, false, false));
            assertThat(reader.next()).isEqualTo(new BoundedLineReader.Line("ef", 2, false, false));
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void shouldReplaceAndFlagBadBytesButNotACharacterCutAtTheMaximum() throws Exception {
        // given: a bad byte in the first line; the second cut in the middle of a two-byte character
        final byte[] input = {'o', 'k', (byte) 0xff, '\n', 'a', 'b', (byte) 0xc3, (byte) 0xa9, 'z', '\n'};
        try (BoundedLineReader reader = new BoundedLineReader(new ByteArrayInputStream(input), 3)) {
            // when
            final BoundedLineReader.Line bad = reader.next();
            final BoundedLineReader.Line cut = reader.next();

            // then
            assertThat(bad).isEqualTo(new BoundedLineReader.Line("ok\uFFFD", 3, false, true));
            assertThat(cut.tooLong()).isTrue();
            assertThat(cut.malformedUtf8()).isFalse();
            assertThat(reader.next()).isNull();
        }
    }
}
