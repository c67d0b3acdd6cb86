package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import io.milterwatch.testing.LocalPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ClamAV clamd (Debian's clamav-daemon), which answers PING with PONG as AXIMilter does and
 * listens on TCP on many mail hosts: it must be OTHER_SERVICE named ClamAV, never AXIMILTER.
 * Started by the test on a free loopback port, in the foreground, with a one-signature database of
 * its own (no signature download here).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClamdIT {

    private static final Path CLAMD = Path.of("/usr/sbin/clamd");

    @TempDir
    Path dir;

    @Test
    void shouldReportOtherServiceNamedClamavAndNeverAximilterWhenRealClamdAnswersPong() throws Exception {
        RealDaemon.require(CLAMD, "clamav-daemon");
        // given: clamd with a database of one MD5 signature, on a free loopback port
        final int port = LocalPorts.freePort();
        final Path db = Files.createDirectories(dir.resolve("db"));
        Files.writeString(db.resolve("milterwatch.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Milterwatch.Test.Signature\n");
        final Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, "Foreground yes\nTCPSocket " + port + "\nTCPAddr 127.0.0.1\nDatabaseDirectory " + db
                + "\nLogFile " + dir.resolve("clamd.log") + "\nPidFile " + dir.resolve("clamd.pid") + "\nTemporaryDirectory " + dir + "\n");
        final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (RealDaemon clamd = RealDaemon.start(List.of(CLAMD.toString(), "-c", conf.toString()), dir.resolve("clamd.out"), port,
                Duration.ofSeconds(60));
             ProbeEngine milterFirst = new ProbeEngine(EngineConfig.defaults(new ProbeTimeouts(2000, 2000)), "it", Zone.INTERNAL);
             ProbeEngine aximilterFirst = new ProbeEngine(new EngineConfig(new ProbeTimeouts(2000, 2000), 100, 10, 100, 8192, Set.of(port),
                     List.of(port), 16, EngineConfig.defaults(new ProbeTimeouts(2000, 2000)).scope()), "it", Zone.INTERNAL)) {
            // when: probed as any port, and as a port where AXIMilter is expected first
            final ProbeOutcome any = milterFirst.probe(target).join();
            final ProbeOutcome first = aximilterFirst.probe(target).join();
            // then
            for (final ProbeOutcome o : List.of(any, first)) {
                assertThat(o.outcome()).as(o + "\n" + clamd.log()).isEqualTo(Outcome.OTHER_SERVICE);
                assertThat(o.product()).isEqualTo("ClamAV clamd");
                assertThat(o.productReason()).contains("PONG", "VERSION");
                assertThat(o.banner()).startsWith("ClamAV ");
                assertThat(o.aximilterReply()).isNull();
                assertThat(o.handshakes()).endsWith(Handshake.AXIMILTER, Handshake.CLAMD_VERSION);
            }
            // clamd says UNKNOWN COMMAND to the milter offer: a line protocol, so PING follows at once
            assertThat(any.handshakes()).containsExactly(Handshake.MILTER_V6, Handshake.AXIMILTER, Handshake.CLAMD_VERSION);
            assertThat(first.handshakes()).containsExactly(Handshake.AXIMILTER, Handshake.CLAMD_VERSION);
            // and: the daemon is unharmed and still answers
            assertThat(clamd.isAlive()).isTrue();
            assertThat(milterFirst.probe(target).join().product()).isEqualTo("ClamAV clamd");
        }
    }
}
