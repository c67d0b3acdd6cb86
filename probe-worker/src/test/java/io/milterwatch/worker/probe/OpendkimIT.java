package io.milterwatch.worker.probe;

import static io.milterwatch.testing.LocalPorts.listening;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real third-party milter: Debian's opendkim (libmilter), started by the test on a free loopback
 * port with a minimal configuration, in the foreground, and stopped afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpendkimIT {

    private static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");

    @TempDir
    Path dir;

    @Test
    void shouldReportMilterVersion6WhenRealOpendkimAnswers() throws Exception {
        Prerequisites.require(Files.isExecutable(OPENDKIM), "opendkim is not installed (Debian package opendkim; .ci/run installs it)");
        // given: opendkim in verify mode on a free loopback port
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final Path conf = dir.resolve("opendkim.conf");
        Files.writeString(conf, "Socket inet:" + port + "@127.0.0.1\nBackground no\nPidFile " + dir.resolve("opendkim.pid")
                + "\nMode v\nSyslog no\n");
        final Process daemon = new ProcessBuilder(OPENDKIM.toString(), "-f", "-x", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("opendkim.log").toFile()).start();
        try (ProbeEngine engine = new ProbeEngine(EngineConfig.defaults(new ProbeTimeouts(2000, 3000)), "it", Zone.INTERNAL)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> listening(port));
            // when
            final ProbeOutcome o = engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).join();
            // then
            assertThat(o.outcome()).as(o + "\n" + log()).isEqualTo(Outcome.MILTER);
            assertThat(o.milter().getVersion()).isEqualTo(6);
            assertThat(o.milter().getOfferedVersion()).isEqualTo(6);
            assertThat(o.milter().getActions()).isPositive().isLessThanOrEqualTo(0x1FF);
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6);
            // opendkim 2.11 registers no macro lists in this configuration: the reply is the bare 17 bytes
            assertThat(o.milter().getReplyLength()).isEqualTo(13 + o.milter().getSymbols().values().stream()
                    .mapToInt(v -> 5 + v.length()).sum());
            assertThat(o.bytesSent()).isEqualTo(22);
            // and: the daemon is unharmed and still answers
            assertThat(daemon.isAlive()).isTrue();
            assertThat(engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).join().outcome())
                    .isEqualTo(Outcome.MILTER);
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }


    private String log() throws IOException {
        return Files.readString(dir.resolve("opendkim.log"));
    }
}
