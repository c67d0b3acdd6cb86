package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import io.milterwatch.worker.emulator.WellFormed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Servers that try to hurt the prober. Each test checks the verdict, that our side stayed within
 * its bounds (bytes read per connection, time per probe given by the configured deadlines, every
 * connection closed by us) and that we sent nothing but well-formed frames.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileServerTest {

    private static final int CONNECT_MS = 1000;
    private static final int REPLY_MS = 800;
    private static final int MAX_REPLY_BYTES = 1024;
    /** The most a probe may take by construction: three connections, each a connect and two reply stages. */
    private static final long BOUND_MS = 3L * (CONNECT_MS + 2L * REPLY_MS);

    private ProbeEngine engine;

    /** The socket layer under test; {@link HostileServerNioTest} runs every test here again on Java NIO. */
    TransportKind transport() {
        Prerequisites.require(EpollTransport.available(), "Netty's native epoll does not load here: " + EpollTransport.unavailableReason());
        return TransportKind.EPOLL;
    }

    @BeforeEach
    void open() {
        engine = new ProbeEngine(EngineConfig.defaults(new ProbeTimeouts(CONNECT_MS, REPLY_MS)).withMaxReplyBytes(MAX_REPLY_BYTES)
                .withTransport(transport()), "hostile", Zone.INTERNAL);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private ProbeOutcome probe(final MilterEmulator e) {
        final ProbeOutcome o = engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port())).join();
        assertThat(o.totalMs()).as("time bound").isLessThanOrEqualTo(BOUND_MS);
        assertThat(o.bytesRead()).as("byte bound").isLessThanOrEqualTo((long) MAX_REPLY_BYTES * o.handshakes().size());
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(e.received()).hasSize(e.accepted()));
        for (final byte[] sent : e.received()) {
            assertThat(WellFormed.problem(sent)).as(Arrays.toString(sent)).isNull();
        }
        return o;
    }

    @Test
    void shouldReportOtherServiceWithoutAllocatingWhenTheLengthFieldSays4GiB() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.HUGE_LENGTH)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("4294967295");
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6);
            await().atMost(Duration.ofSeconds(20)).until(() -> e.closedByClient() == 1);
        }
    }

    @Test
    void shouldStopReadingAtTheByteLimitWhenAFrameNeverEnds() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.ENDLESS_FRAME)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("exceeded " + MAX_REPLY_BYTES + " bytes");
            assertThat(o.bytesRead()).isEqualTo(MAX_REPLY_BYTES);
            await().atMost(Duration.ofSeconds(20)).until(() -> e.closedByClient() == 1);
        }
    }

    @Test
    void shouldGiveUpAtTheReplyDeadlineWhenTheServerTricklesOneByteASecond() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.TRICKLE)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("incomplete reply", "reply timeout");
            assertThat(o.bytesRead()).isBetween(1L, 2L);
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6);
        }
    }

    @Test
    void shouldCloseOurSideWhenAMilterIgnoresQuitAndNeverCloses() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.NEVER_CLOSES)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.MILTER);
            // then: the server saw our QUIT and then our close, though it never closed itself
            await().atMost(Duration.ofSeconds(20)).until(() -> e.closedByClient() == 1);
            assertThat(e.received().get(0)).endsWith(MilterProtocol.quit());
        }
    }

    @Test
    void shouldCallAnEchoOtherServiceAndNeverQuitIt() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.ECHO)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.product()).isEqualTo("echo");
            assertThat(e.received().get(0)).isEqualTo(MilterProtocol.optnegV6());
        }
    }

    @Test
    void shouldCallRandomBytesOtherServiceAndStopReadingThem() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.RANDOM_BYTES)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.banner()).isNotEmpty();
            await().atMost(Duration.ofSeconds(20)).until(() -> e.closedByClient() == 1);
        }
    }

    @Test
    void shouldCallAResetMidFrameOtherServiceWithWhatArrived() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.RESET_MID_FRAME)) {
            final ProbeOutcome o = probe(e);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("incomplete reply", "9 bytes");
            assertThat(o.bytesRead()).isEqualTo(9);
        }
    }
}
