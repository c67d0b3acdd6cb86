package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import io.milterwatch.schema.Outcome;
import io.milterwatch.worker.probe.HandshakeClassifier.Connect;
import io.milterwatch.worker.probe.HandshakeClassifier.End;
import io.milterwatch.worker.probe.HandshakeClassifier.Send;
import io.milterwatch.worker.probe.HandshakeClassifier.Step;
import io.milterwatch.worker.probe.HandshakeClassifier.Verdict;
import io.milterwatch.worker.probe.HandshakeClassifier.Wait;
import org.junit.jupiter.api.Test;

/** How a probe decides, byte by byte, without a socket: what each reply leads to. */
class HandshakeClassifierTest {

    private static final HandshakeClassifier.Limits LIMITS = new HandshakeClassifier.Limits(1000, 500, 8192);
    private static final List<Handshake> MILTER_FIRST = List.of(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);
    private static final List<Handshake> AXIMILTER_FIRST = List.of(Handshake.AXIMILTER, Handshake.MILTER_V6, Handshake.MILTER_V2);

    private static HandshakeClassifier classifier(final List<Handshake> plan, final int port) {
        return new HandshakeClassifier(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), plan, LIMITS);
    }

    /** A milter SMFIC_OPTNEG reply as libmilter writes it: length, 'O', version, actions, protocol, symbol lists. */
    private static byte[] optnegReply(final int version, final int actions, final int protocol, final String symbols) {
        final byte[] tail = symbols.getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(17 + tail.length).putInt(13 + tail.length).put((byte) 'O').putInt(version).putInt(actions)
                .putInt(protocol).put(tail).array();
    }

    private static byte[] ascii(final String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Step feed(final HandshakeClassifier c, final byte[] reply) {
        return c.reply(reply, reply.length);
    }

    @Test
    void shouldStartWithTheVersion6OfferOnAMilterPortAndPingOnAnAximilterPort() {
        final Connect milter = classifier(MILTER_FIRST, 8891).start();
        assertThat(milter.handshake()).isEqualTo(Handshake.MILTER_V6);
        assertThat(milter.request()).containsExactly(MilterProtocol.optnegV6());
        final Connect axi = classifier(AXIMILTER_FIRST, 1981).start();
        assertThat(axi.handshake()).isEqualTo(Handshake.AXIMILTER);
        assertThat(new String(axi.request(), StandardCharsets.US_ASCII)).isEqualTo("PING\r\n");
    }

    @Test
    void shouldDecideMilterAndSayQuitWhenLibmilterAnswersTheOfferEvenSplitByteByByte() {
        // given: opendkim's libmilter reply with macro symbol lists
        final HandshakeClassifier c = classifier(MILTER_FIRST, 8891);
        c.start();
        c.connected();
        final byte[] reply = optnegReply(6, 0x1F, 0x1F007F, "\0\0\0\1j {daemon_name}\0");
        // when: it arrives one byte at a time
        for (int i = 1; i < reply.length; i++) {
            assertThat(c.reply(Arrays.copyOf(reply, i), i)).as("after %d bytes", i).isInstanceOf(Wait.class);
        }
        final Step last = feed(c, reply);
        // then
        assertThat(last).isInstanceOf(Verdict.class);
        final Verdict v = (Verdict) last;
        assertThat(v.outcome()).isEqualTo(Outcome.MILTER);
        assertThat(v.milter().getVersion()).isEqualTo(6);
        assertThat(v.milter().getSymbols()).containsEntry("1", "j {daemon_name}");
        assertThat(v.product()).isEqualTo("OpenDKIM");
        assertThat(v.farewell()).containsExactly(MilterProtocol.quit());
    }

    @Test
    void shouldNameANonLibmilterMilterWhenItAnswersVersion2() {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        final Verdict v = (Verdict) feed(c, optnegReply(2, 0x3F, 0x7F, ""));
        assertThat(v.outcome()).isEqualTo(Outcome.MILTER);
        assertThat(v.product()).contains("non-libmilter");
    }

    @Test
    void shouldCallAnEchoAnotherServiceWhenTheOfferComesBack() {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        final Verdict v = (Verdict) feed(c, MilterProtocol.optnegV6());
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.product()).isEqualTo("echo");
    }

    @Test
    void shouldNameSmtpHttpSshAndTlsFromTheirFirstBytes() {
        final List<String> banners = List.of("220 mx.example.com ESMTP Postfix\r\n", "HTTP/1.1 400 Bad Request\r\n", "SSH-2.0-OpenSSH_9.2\r\n");
        final List<String> products = List.of("SMTP", "HTTP", "SSH");
        for (int i = 0; i < banners.size(); i++) {
            final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
            c.start();
            final Verdict v = (Verdict) feed(c, ascii(banners.get(i)));
            assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(v.product()).isEqualTo(products.get(i));
            assertThat(v.banner()).startsWith(banners.get(i).substring(0, 3));
        }
        final HandshakeClassifier tls = classifier(MILTER_FIRST, 7357);
        tls.start();
        assertThat(((Verdict) feed(tls, new byte[] {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28})).product()).isEqualTo("TLS");
    }

    @Test
    void shouldCallGarbageAnotherServiceWithTheReasonAndEscapedBytes() {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        final Verdict v = (Verdict) feed(c, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'O', 0, 1});
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.detail()).contains("length field 4294967295");
        assertThat(v.banner()).startsWith("\\xff\\xff\\xff\\xff");
    }

    @Test
    void shouldTryVersion2ThenPingThenSayOpenSilentWhenEveryHandshakeMeetsSilence() {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        c.connected();
        assertThat(((Connect) c.ended(End.SILENT, new byte[0], 0)).handshake()).isEqualTo(Handshake.MILTER_V2);
        assertThat(((Connect) c.ended(End.SILENT, new byte[0], 0)).handshake()).isEqualTo(Handshake.AXIMILTER);
        final Verdict v = (Verdict) c.ended(End.CLOSED_EMPTY, new byte[0], 0);
        assertThat(v.outcome()).isEqualTo(Outcome.OPEN_SILENT);
        assertThat(v.detail()).contains("MILTER_V6: silent for 500 ms", "MILTER_V2: silent", "AXIMILTER: closed without a byte");
        assertThat(c.tried()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);
    }

    @Test
    void shouldAskInAximiltersOwnWordsWhenATextLineAnswersTheBinaryOffer() {
        // given: a line protocol answers the milter offer with a text line, in two pieces
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        assertThat(feed(c, ascii("ERR"))).isInstanceOf(Wait.class);
        // when: the line ends
        final Step next = feed(c, ascii("ERROR unknown command\r\n"));
        // then: a new connection says PING
        assertThat(next).isInstanceOf(Connect.class);
        assertThat(((Connect) next).handshake()).isEqualTo(Handshake.AXIMILTER);
    }

    @Test
    void shouldNotDecideAximilterOnPongAloneButOnTheEnvelopeErrorThatFollows() {
        // given: PING answered PONG
        final HandshakeClassifier c = classifier(AXIMILTER_FIRST, 1981);
        c.start();
        final Step afterPong = feed(c, ascii("PONG\r\n"));
        // then: no verdict yet; the envelope goes out on the same connection
        assertThat(afterPong).isInstanceOf(Send.class);
        assertThat(new String(((Send) afterPong).bytes(), StandardCharsets.US_ASCII)).startsWith("FROM: <>\r\n");
        // when: AXIMilter answers it with its URL-encoded error
        final Verdict v = (Verdict) feed(c, ascii("ERROR:%20Could%20not%20open%20message%20file\r\n"));
        // then
        assertThat(v.outcome()).isEqualTo(Outcome.AXIMILTER);
        assertThat(v.productReason()).contains("PONG", "ERROR: Could not open message file", "default port 1981");
        assertThat(v.aximilterReply()).isEqualTo("ERROR:%20Could%20not%20open%20message%20file");
    }

    @Test
    void shouldDecideAximilterWhenALowerCasePongIsFollowedByAPlusEncodedEnvelopeError() {
        final HandshakeClassifier c = classifier(AXIMILTER_FIRST, 7357);
        c.start();
        feed(c, ascii("pong\r\n"));
        final Verdict v = (Verdict) feed(c, ascii("ERROR:+Could+not+connect+to+Milter+implementation\r\n"));
        assertThat(v.outcome()).isEqualTo(Outcome.AXIMILTER);
        assertThat(v.productReason()).contains("ERROR: Could not connect to Milter implementation");
    }

    @Test
    void shouldAskClamdsVersionAndNameItWhenAPortPongsAndClosesOnTheEnvelope() {
        // given: clamd's way: PONG, then the connection ends (one command per connection outside a session)
        final HandshakeClassifier c = classifier(List.of(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER), 3310);
        c.start();
        c.connected();
        assertThat(((Connect) c.ended(End.SILENT, new byte[0], 0)).handshake()).isEqualTo(Handshake.MILTER_V2);
        assertThat(((Connect) c.ended(End.SILENT, new byte[0], 0)).handshake()).isEqualTo(Handshake.AXIMILTER);
        assertThat(feed(c, ascii("PONG\n"))).isInstanceOf(Send.class);
        // when: the envelope meets the close
        final Step version = c.ended(End.CLOSED_EMPTY, new byte[0], 0);
        // then: clamd's newline-delimited VERSION on a new connection, and its answer names the product
        assertThat(version).isInstanceOf(Connect.class);
        assertThat(((Connect) version).handshake()).isEqualTo(Handshake.CLAMD_VERSION);
        assertThat(new String(((Connect) version).request(), StandardCharsets.US_ASCII)).isEqualTo("nVERSION\n");
        assertThat(feed(c, ascii("ClamAV 1.0."))).isInstanceOf(Wait.class);
        final Verdict v = (Verdict) feed(c, ascii("ClamAV 1.0.7/1/Tue Dec  1 09:30:02 2026\n"));
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.product()).isEqualTo("ClamAV clamd");
        assertThat(v.banner()).isEqualTo("ClamAV 1.0.7/1/Tue Dec  1 09:30:02 2026");
        assertThat(c.tried()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER, Handshake.CLAMD_VERSION);
    }

    @Test
    void shouldCallAPortThatOnlyPongsAnotherServiceWhateverVersionSays() {
        final HandshakeClassifier reset = classifier(AXIMILTER_FIRST, 1981);
        reset.start();
        reset.connected();
        feed(reset, ascii("PONG\r\n"));
        reset.ended(End.RESET_EMPTY, new byte[0], 0);
        final Verdict unknown = (Verdict) feed(reset, ascii("UNKNOWN COMMAND\n"));
        assertThat(unknown.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(unknown.product()).isNull();
        assertThat(unknown.detail()).contains("not AXIMilter");
        final HandshakeClassifier closes = classifier(AXIMILTER_FIRST, 1981);
        closes.start();
        closes.connected();
        feed(closes, ascii("PONG\r\n"));
        closes.ended(End.CLOSED_EMPTY, new byte[0], 0);
        assertThat(((Verdict) closes.ended(End.CLOSED_EMPTY, new byte[0], 0)).outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        final HandshakeClassifier silent = classifier(AXIMILTER_FIRST, 1981);
        silent.start();
        feed(silent, ascii("PONG\r\n"));
        final Verdict s = (Verdict) silent.ended(End.SILENT, new byte[0], 0);
        assertThat(s.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        final HandshakeClassifier otherLine = classifier(AXIMILTER_FIRST, 1981);
        otherLine.start();
        feed(otherLine, ascii("PONG\r\n"));
        assertThat(((Verdict) feed(otherLine, ascii("PONG\r\n"))).outcome()).isEqualTo(Outcome.OTHER_SERVICE);
    }

    @Test
    void shouldNameRedisByItsRespAnswerToPing() {
        final HandshakeClassifier c = classifier(AXIMILTER_FIRST, 6379);
        c.start();
        final Verdict v = (Verdict) feed(c, ascii("+PONG\r\n"));
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.product()).isEqualTo("Redis");
        final HandshakeClassifier auth = classifier(AXIMILTER_FIRST, 6379);
        auth.start();
        assertThat(((Verdict) feed(auth, ascii("-NOAUTH Authentication required.\r\n"))).product()).isEqualTo("Redis");
    }

    @Test
    void shouldSendTheEnvelopeAndDecideAximilterByItsUrlEncodedErrorWhenPingIsNotKnown() {
        final HandshakeClassifier c = classifier(AXIMILTER_FIRST, 1981);
        c.start();
        final Step envelope = feed(c, ascii("ERROR: unknown command\r\n"));
        assertThat(envelope).isInstanceOf(Send.class);
        final String sent = new String(((Send) envelope).bytes(), StandardCharsets.US_ASCII);
        assertThat(sent).startsWith("FROM: <>\r\n").contains("VERI: /nonexistent/").doesNotContain("%");
        assertThat(c.envelopeSent()).isTrue();
        final Verdict v = (Verdict) feed(c, ascii("ERROR:+Could+not+open+message+file\r\n"));
        assertThat(v.outcome()).isEqualTo(Outcome.AXIMILTER);
        assertThat(v.productReason()).contains("ERROR: Could not open message file");
    }

    @Test
    void shouldCallALineProtocolAnotherServiceWhenTheEnvelopeGetsAnotherLineOrNothing() {
        final HandshakeClassifier other = classifier(AXIMILTER_FIRST, 1981);
        other.start();
        feed(other, ascii("? what\r\n"));
        final Verdict v = (Verdict) feed(other, ascii("? what\r\n"));
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.detail()).contains("answered PING but not AXIMilter's error to the envelope");
        final HandshakeClassifier silent = classifier(AXIMILTER_FIRST, 1981);
        silent.start();
        feed(silent, ascii("? what\r\n"));
        final Verdict s = (Verdict) silent.ended(End.SILENT, new byte[0], 0);
        assertThat(s.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(s.detail()).contains("answered PING with a line but not the envelope");
    }

    @Test
    void shouldTryTheMilterOfferWhenPingGetsBinaryBytesAndCallItOtherWhenBothFail() {
        final HandshakeClassifier c = classifier(AXIMILTER_FIRST, 1981);
        c.start();
        final Step next = feed(c, new byte[] {0, 0, 0, 5, 'x'});
        assertThat(((Connect) next).handshake()).isEqualTo(Handshake.MILTER_V6);
        final HandshakeClassifier after = classifier(MILTER_FIRST, 7357);
        after.start();
        feed(after, ascii("hello\r\n"));
        final Verdict v = (Verdict) feed(after, new byte[] {1, 2, 3});
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.detail()).contains("binary reply to PING that is not a milter either");
    }

    @Test
    void shouldCallATruncatedOrOversizedReplyAnotherServiceWithWhatHappened() {
        final byte[] half = Arrays.copyOf(optnegReply(6, 0x1F, 0x7F, ""), 9);
        final HandshakeClassifier closed = classifier(MILTER_FIRST, 7357);
        closed.start();
        assertThat(feed(closed, half)).isInstanceOf(Wait.class);
        final Verdict v = (Verdict) closed.ended(End.CLOSED_PARTIAL, half, half.length);
        assertThat(v.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
        assertThat(v.detail()).contains("incomplete reply to MILTER_V6: 9 bytes, then the peer closed");
        final HandshakeClassifier reset = classifier(MILTER_FIRST, 7357);
        reset.start();
        assertThat(((Verdict) reset.ended(End.RESET_PARTIAL, half, half.length)).detail()).contains("then a reset");
        final HandshakeClassifier big = classifier(MILTER_FIRST, 7357);
        big.start();
        final byte[] frame = new byte[8192];
        frame[1] = 1; // a 65,536-byte frame announced, never a verdict within 8192 bytes
        frame[4] = 'O';
        assertThat(feed(big, frame)).isInstanceOf(Wait.class);
        assertThat(((Verdict) big.ended(End.TOO_LONG, frame, frame.length)).detail()).contains("exceeded 8192 bytes");
        final HandshakeClassifier extra = classifier(MILTER_FIRST, 7357);
        extra.start();
        final byte[] tooMany = Arrays.copyOf(optnegReply(6, 0x1F, 0x7F, ""), 20);
        assertThat(((Verdict) feed(extra, tooMany)).detail()).contains("more bytes than the frame announced");
    }

    @Test
    void shouldJudgeAFailedConnectByItsErrnoClass() {
        assertThat(failed(ErrnoClass.REFUSED).outcome()).isEqualTo(Outcome.CLOSED);
        assertThat(failed(ErrnoClass.UNREACHABLE).outcome()).isEqualTo(Outcome.FILTERED);
        assertThat(failed(ErrnoClass.PROHIBITED).outcome()).isEqualTo(Outcome.FILTERED);
        assertThat(failed(ErrnoClass.TIMED_OUT).outcome()).isEqualTo(Outcome.FILTERED);
        assertThat(failed(ErrnoClass.NO_LOCAL_PORT)).satisfies(v -> {
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.detail()).contains("no local port", "worker.source.address");
        });
        assertThat(failed(ErrnoClass.NO_DESCRIPTORS).detail()).contains("too many open files");
        assertThat(failed(ErrnoClass.OTHER).outcome()).isEqualTo(Outcome.ERROR);
        final HandshakeClassifier timedOut = classifier(MILTER_FIRST, 7357);
        timedOut.start();
        assertThat(timedOut.connectTimedOut().outcome()).isEqualTo(Outcome.FILTERED);
    }

    @Test
    void shouldSayOpenSilentWhenAPortThatAcceptedBeforeNowRefuses() {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        assertThat(c.connected()).isTrue();
        assertThat(c.connected()).isFalse();
        c.ended(End.SILENT, new byte[0], 0);
        final Verdict v = c.connectFailed(ErrnoClass.REFUSED, "connect failed: ECONNREFUSED");
        assertThat(v.outcome()).isEqualTo(Outcome.OPEN_SILENT);
        assertThat(v.detail()).contains("MILTER_V6: silent", "MILTER_V2: the new connection failed (connect failed: ECONNREFUSED)");
    }

    private static Verdict failed(final ErrnoClass error) {
        final HandshakeClassifier c = classifier(MILTER_FIRST, 7357);
        c.start();
        return c.connectFailed(error, "connect failed: " + error);
    }
}
