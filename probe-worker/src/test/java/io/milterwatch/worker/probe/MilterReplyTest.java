package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class MilterReplyTest {

    private static final byte[] OFFER = MilterProtocol.optnegV6();

    private static byte[] frame(final int version, final int actions, final int protocol, final byte[] tail) {
        return ByteBuffer.allocate(17 + tail.length).putInt(13 + tail.length).put((byte) 'O').putInt(version).putInt(actions)
                .putInt(protocol).put(tail).array();
    }

    private static MilterReply.Verdict judge(final byte[] b) {
        return MilterReply.judge(b, b.length, OFFER);
    }

    @Test
    void shouldAcceptLibmilterReplyWithSymbolListsWhenLongerThan13Bytes() {
        final byte[] tail = "\0\0\0\u0001j {daemon_name}\0".getBytes(StandardCharsets.ISO_8859_1);
        final MilterReply.Verdict v = judge(frame(6, 0x1F, 0x1F007F, tail));
        assertThat(v).isInstanceOfSatisfying(MilterReply.Milter.class, m -> {
            assertThat(m.version()).isEqualTo(6);
            assertThat(m.actions()).isEqualTo(0x1F);
            assertThat(m.symbols()).containsEntry("1", "j {daemon_name}");
        });
    }

    @Test
    void shouldAcceptRspamdAndVersion2Replies() {
        assertThat(judge(frame(6, 0x1FF, 0xFF080, new byte[0]))).isInstanceOf(MilterReply.Milter.class);
        assertThat(judge(frame(2, 0x3F, 0x7F, new byte[0]))).isInstanceOf(MilterReply.Milter.class);
    }

    @Test
    void shouldRejectAnExactEchoOfTheOffer() {
        assertThat(judge(OFFER)).isInstanceOfSatisfying(MilterReply.NotMilter.class, n -> assertThat(n.kind()).isEqualTo("echo"));
    }

    @Test
    void shouldNameSmtpHttpSshRedisAndTlsWhenTheyAnswer() {
        assertThat(kind("220 mx ESMTP\r\n")).isEqualTo("SMTP");
        assertThat(kind("HTTP/1.1 400 Bad Request\r\n")).isEqualTo("HTTP");
        assertThat(kind("SSH-2.0-OpenSSH_9.2\r\n")).isEqualTo("SSH");
        assertThat(kind("-ERR unknown command\r\n")).isEqualTo("Redis/POP3");
        assertThat(kind("+PONG\r\n")).isEqualTo("Redis");
        assertThat(kind("-NOAUTH Authentication required.\r\n")).isEqualTo("Redis");
        assertThat(kind("-DENIED Redis is running in protected mode\r\n")).isEqualTo("Redis");
        assertThat(((MilterReply.NotMilter) judge(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32})).kind()).isEqualTo("TLS");
    }

    @Test
    void shouldRejectHugeLengthWithoutAllocating() {
        final byte[] b = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'O'};
        assertThat(judge(b)).isInstanceOfSatisfying(MilterReply.NotMilter.class,
                n -> assertThat(n.reason()).contains("4294967295"));
    }

    @Test
    void shouldAskForMoreWhenTheFrameIsIncomplete() {
        final byte[] full = frame(6, 0x1F, 0x7F, new byte[0]);
        assertThat(MilterReply.judge(full, 3, OFFER)).isInstanceOf(MilterReply.NeedMore.class);
        assertThat(MilterReply.judge(full, 9, OFFER)).isEqualTo(new MilterReply.NeedMore(17));
    }

    @Test
    void shouldRejectOutOfRangeVersionActionsAndProtocol() {
        assertThat(judge(frame(7, 0x1F, 0x7F, new byte[0]))).isInstanceOf(MilterReply.NotMilter.class);
        assertThat(judge(frame(1, 0x1F, 0x7F, new byte[0]))).isInstanceOf(MilterReply.NotMilter.class);
        assertThat(judge(frame(6, 0x200, 0x7F, new byte[0]))).isInstanceOf(MilterReply.NotMilter.class);
        assertThat(judge(frame(6, 0x1F, 0x40000000, new byte[0]))).isInstanceOf(MilterReply.NotMilter.class);
        assertThat(judge(frame(6, 0x1F, 0x1FFFFF | 0x30000000, new byte[0]))).isInstanceOf(MilterReply.Milter.class);
    }

    @Test
    void shouldRejectOtherCommandByteAndMalformedSymbolTail() {
        final byte[] b = frame(6, 0x1F, 0x7F, new byte[0]);
        b[4] = 'X';
        assertThat(judge(b)).isInstanceOf(MilterReply.NotMilter.class);
        assertThat(judge(frame(6, 0x1F, 0x7F, new byte[] {0, 0, 0, 1, 'j'}))).isInstanceOf(MilterReply.NotMilter.class);
    }

    @Test
    void shouldEscapeBannersAndBoundThem() {
        final byte[] b = new byte[200];
        b[0] = 0x01;
        final String escaped = MilterReply.escape(b, b.length);
        assertThat(escaped).startsWith("\\x01\\x00").endsWith("...");
        assertThat(escaped.length()).isLessThan(64 * 4 + 4);
    }

    private static String kind(final String s) {
        return ((MilterReply.NotMilter) judge(s.getBytes(StandardCharsets.US_ASCII))).kind();
    }
}
