package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class LogTailerTest {

    @TempDir
    Path dir;

    private static void append(final Path file, final String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void shouldFollowNewLinesAcrossRotationWhenTheFileIsRenamedAndRecreated() throws Exception {
        // given
        final Path log = dir.resolve("fw.log");
        append(log, "old line\n");
        final List<String> seen = new CopyOnWriteArrayList<>();
        try (LogTailer tailer = new LogTailer(log, false, Duration.ofMillis(20), seen::add)) {
            final Thread thread = new Thread(tailer, "tailer");
            thread.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> tailer.lines() == 0 && thread.isAlive());

            // when
            append(log, "one\ntw");
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("one"));
            append(log, "o\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("two"));
            append(log, "last of the old file\n");
            Files.move(log, dir.resolve("fw.log.1"));
            append(log, "first of the new file\n");

            // then
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 4);
            assertThat(seen).containsExactly("one", "two", "last of the old file", "first of the new file");
        }
    }

    @Test
    void shouldReadFromTheStartAgainWhenTheFileIsTruncated() throws Exception {
        // given
        final Path log = dir.resolve("fw.log");
        append(log, "a\nb\n");
        final List<String> seen = new CopyOnWriteArrayList<>();
        try (LogTailer tailer = new LogTailer(log, true, Duration.ofMillis(20), seen::add)) {
            new Thread(tailer, "tailer").start();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);

            // when
            Files.writeString(log, "c\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);

            // then
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
            assertThat(seen).containsExactly("a", "b", "c");
        }
    }

    @Test
    void shouldReadFromTheStartAgainWhenTheFileIsTruncatedAndRewrittenPastTheReadPosition() throws Exception {
        // given: two lines read, the tailer idle between polls
        final Path log = dir.resolve("fw.log");
        append(log, "a\nb\n");
        final List<String> seen = new CopyOnWriteArrayList<>();
        try (LogTailer tailer = new LogTailer(log, true, Duration.ofMillis(300), seen::add)) {
            new Thread(tailer, "tailer").start();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);

            // when: copytruncate, then the writer adds three lines, longer together than what was read
            Files.writeString(log, "c\nd\ne\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);

            // then
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 5);
            assertThat(seen).containsExactly("a", "b", "c", "d", "e");
        }
    }

    @Test
    void shouldHandOnALongLineCutWithItsLengthAndOffsetWhenItIsLongerThanTheMaximum() throws Exception {
        // given
        final Path log = dir.resolve("fw.log");
        append(log, "first\n" + "x".repeat(100_000) + "\r\nafter\n");
        final List<LogTailer.Line> seen = new CopyOnWriteArrayList<>();
        try (LogTailer tailer = new LogTailer(log, true, Duration.ofMillis(20), 10, seen::add)) {
            // when
            new Thread(tailer, "tailer").start();

            // then
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
            assertThat(seen.get(0).text()).isEqualTo("first");
            assertThat(seen.get(0).cut()).isFalse();
            assertThat(seen.get(1).text()).isEqualTo("xxxxxxxxxx");
            assertThat(seen.get(1).cut()).isTrue();
            assertThat(seen.get(1).offset()).isEqualTo(6);
            assertThat(seen.get(1).length()).isEqualTo(100_001);
            assertThat(seen.get(2).text()).isEqualTo("after");
            assertThat(seen.get(2).offset()).isEqualTo(6 + 100_002);
        }
    }
}
