package io.milterwatch.cli;

import static io.milterwatch.testing.LocalPorts.listening;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Zone;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.probe.ProbeOutcome;
import io.milterwatch.worker.probe.ProbeTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample milter target of docker-compose.yml without Docker: Debian's opendkim, which is what
 * its image installs, runs its configuration file unchanged (only the socket moved to a free
 * loopback port) and answers a probe as the milter the deployment is meant to find.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MilterTargetIT {

    private static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    private static final Path CONF = Path.of("..", "deploy", "milter-target", "opendkim.conf");

    @TempDir
    Path dir;

    @Test
    void shouldAnswerAsAMilterWhenOpendkimRunsTheTargetsConfiguration() throws Exception {
        Prerequisites.require(Files.isExecutable(OPENDKIM), "opendkim is not installed (Debian package opendkim; .ci/run installs it)");
        Prerequisites.require("root".equals(System.getProperty("user.name")),
                "the configuration drops to the opendkim user (UserID), which only root can do");
        // given: the configuration passes opendkim's own check
        final Process check = new ProcessBuilder(OPENDKIM.toString(), "-n", "-x", CONF.toString()).redirectErrorStream(true).start();
        assertThat(check.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(new String(check.getInputStream().readAllBytes())).isZero();
        // and: the daemon runs it, on a free loopback port instead of inet:8891@0.0.0.0
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final Process daemon = new ProcessBuilder(OPENDKIM.toString(), "-f", "-x", CONF.toString(), "-p", "inet:" + port + "@127.0.0.1")
                .redirectErrorStream(true).redirectOutput(dir.resolve("opendkim.log").toFile()).start();
        try (ProbeEngine engine = new ProbeEngine(EngineConfig.defaults(new ProbeTimeouts(2000, 3000)), "it", Zone.EXTERNAL)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> listening(port));
            // when
            final ProbeOutcome o = engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).join();
            // then
            assertThat(o.outcome()).as(o + "\n" + Files.readString(dir.resolve("opendkim.log"))).isEqualTo(Outcome.MILTER);
            assertThat(o.milter().getVersion()).isEqualTo(6);
            assertThat(daemon.isAlive()).isTrue();
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
