package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.milterwatch.schema.Outcome;
import io.milterwatch.worker.emulator.MilterEmulator;
import io.milterwatch.worker.emulator.MilterEmulator.Behaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real handshakes against real listeners on loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MilterProberTest {

    private final MilterProber prober = new MilterProber(new ProbeTimeouts(1000, 700));

    private ProbeOutcome probe(final MilterEmulator e) {
        return prober.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port()));
    }

    @Test
    void shouldDetectLibmilterAndSayGoodbyeWithQuitWhenItAnswersV6() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(o.milter().getVersion()).isEqualTo(6);
            assertThat(o.milter().getSymbols()).containsEntry("1", "j {daemon_name} {auth_type}").containsEntry("5", "{rcpt_addr}");
            assertThat(o.connectMs()).isNotNull();
            assertThat(o.firstByteMs()).isNotNull();
            // then: exactly the 17-byte v6 offer and the 5-byte QUIT reached the milter
            await().atMost(Duration.ofSeconds(5)).until(() -> !e.received().isEmpty());
            final byte[] sent = e.received().get(0);
            final byte[] expected = new byte[22];
            System.arraycopy(MilterProtocol.optnegV6(), 0, expected, 0, 17);
            System.arraycopy(MilterProtocol.quit(), 0, expected, 17, 5);
            assertThat(sent).isEqualTo(expected);
            assertThat(Arrays.copyOf(sent, 17)).containsExactly(0, 0, 0, 0x0d, 0x4f, 0, 0, 0, 6, 0, 0, 1, (byte) 0xff, 0, 0x1f,
                    (byte) 0xff, (byte) 0xff);
        }
    }

    @Test
    void shouldDetectRspamdAndGoMilterWithProductHints() throws IOException {
        try (MilterEmulator rspamd = MilterEmulator.start(Behaviour.RSPAMD);
             MilterEmulator go = MilterEmulator.start(Behaviour.GO_V2)) {
            final ProbeOutcome r = probe(rspamd);
            assertThat(r.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(r.product()).isEqualTo("rspamd");
            assertThat(r.productReason()).startsWith("heuristic");
            final ProbeOutcome g = probe(go);
            assertThat(g.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(g.milter().getVersion()).isEqualTo(2);
            assertThat(g.product()).contains("non-libmilter");
        }
    }

    @Test
    void shouldAssembleAReplySplitOverSeveralWrites() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.SPLIT_WRITES)) {
            assertThat(probe(e).outcome()).isEqualTo(Outcome.MILTER);
        }
    }

    @Test
    void shouldCallSmtpAndEchoOtherServices() throws IOException {
        try (MilterEmulator smtp = MilterEmulator.start(Behaviour.SMTP);
             MilterEmulator echo = MilterEmulator.start(Behaviour.ECHO)) {
            final ProbeOutcome s = probe(smtp);
            assertThat(s.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(s.product()).isEqualTo("SMTP");
            assertThat(s.banner()).startsWith("220 mx.example.test ESMTP\\r\\n");
            final ProbeOutcome o = probe(echo);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("echoed");
        }
    }

    @Test
    void shouldCallSilentAndClosingPortsOpenSilent() throws IOException {
        try (MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT);
             MilterEmulator closing = MilterEmulator.start(Behaviour.CLOSE_AT_ONCE)) {
            final ProbeOutcome s = probe(silent);
            assertThat(s.outcome()).isEqualTo(Outcome.OPEN_SILENT);
            assertThat(s.totalMs()).isGreaterThanOrEqualTo(700);
            assertThat(probe(closing).outcome()).isIn(Outcome.OPEN_SILENT, Outcome.CLOSED);
        }
    }

    @Test
    void shouldReportClosedWhenNothingListens() throws IOException {
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final ProbeOutcome o = prober.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        assertThat(o.outcome()).isEqualTo(Outcome.CLOSED);
        assertThat(o.detail()).contains("refused");
    }
}
