package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class AxiMilterProtocolTest {

    private static AxiMilterProtocol.Line line(final String s) {
        final byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return AxiMilterProtocol.firstLine(b, b.length);
    }

    @Test
    void shouldNeverContainAPercentSignWhenSendingPingOrTheEnvelope() {
        assertThat(new String(AxiMilterProtocol.ping(), StandardCharsets.US_ASCII)).isEqualTo("PING\r\n");
        final String envelope = new String(AxiMilterProtocol.envelope(), StandardCharsets.US_ASCII);
        assertThat(envelope).doesNotContain("%").contains("VERI: /nonexistent/").endsWith("\r\n");
        assertThat(envelope.split("\r\n")).allSatisfy(l -> assertThat(l).matches("[A-Z]{4}: .*"));
    }

    @Test
    void shouldRecognisePongCaseInsensitivelyAndTheEnvelopeErrorsUrlDecoded() {
        assertThat(AxiMilterProtocol.isPong("pong")).isTrue();
        assertThat(AxiMilterProtocol.isPong("PONG ")).isTrue();
        assertThat(AxiMilterProtocol.isPong("PONGS")).isFalse();
        assertThat(AxiMilterProtocol.isEnvelopeError("ERROR:%20Could%20not%20open%20message%20file")).isTrue();
        assertThat(AxiMilterProtocol.isEnvelopeError("ERROR: Could not connect to Milter implementation")).isTrue();
        assertThat(AxiMilterProtocol.isEnvelopeError("ERROR:+Could+not+open+message+file")).isTrue();
        assertThat(AxiMilterProtocol.isEnvelopeError("ERROR: Could not open message file, sorry")).isFalse();
    }

    @Test
    void shouldSplitTheFirstLineAndRejectBinaryAndOverlongInput() {
        assertThat(line("PONG\r\nrest")).isEqualTo(new AxiMilterProtocol.Text("PONG"));
        assertThat(line("PON")).isInstanceOf(AxiMilterProtocol.NeedMore.class);
        assertThat(line("\0\0\0\rO")).isInstanceOf(AxiMilterProtocol.Binary.class);
        assertThat(line("A".repeat(300))).isInstanceOf(AxiMilterProtocol.Binary.class);
    }
}
