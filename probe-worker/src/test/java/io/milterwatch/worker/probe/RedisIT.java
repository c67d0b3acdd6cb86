package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * A real Redis (Debian's redis-server), which answers PING with {@code +PONG}: OTHER_SERVICE named
 * Redis, never AXIMILTER. Started by the test on a free loopback port, without persistence.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisIT {

    private static final Path REDIS = Path.of("/usr/bin/redis-server");

    @TempDir
    Path dir;

    @Test
    void shouldReportOtherServiceNamedRedisAndNeverAximilterWhenRealRedisAnswersPong() throws Exception {
        RealDaemon.require(REDIS, "redis-server");
        // given: redis-server on a free loopback port, nothing saved
        final int port = LocalPorts.freePort();
        final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        final ProbeTimeouts timeouts = new ProbeTimeouts(2000, 1000);
        try (RealDaemon redis = RealDaemon.start(List.of(REDIS.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"), dir.resolve("redis.out"), port,
                Duration.ofSeconds(30));
             ProbeEngine milterFirst = new ProbeEngine(EngineConfig.defaults(timeouts), "it", Zone.INTERNAL);
             ProbeEngine aximilterFirst = new ProbeEngine(new EngineConfig(timeouts, 100, 10, 100, 8192, Set.of(port), List.of(port), 16,
                     EngineConfig.defaults(timeouts).scope()), "it", Zone.INTERNAL)) {
            // when
            final ProbeOutcome any = milterFirst.probe(target).join();
            final ProbeOutcome first = aximilterFirst.probe(target).join();
            // then: Redis waits for a line end after the binary offers (silent), and answers PING with +PONG
            for (final ProbeOutcome o : List.of(any, first)) {
                assertThat(o.outcome()).as(o + "\n" + redis.log()).isEqualTo(Outcome.OTHER_SERVICE);
                assertThat(o.product()).isEqualTo("Redis");
                assertThat(o.banner()).startsWith("+PONG");
                assertThat(o.aximilterReply()).isNull();
            }
            assertThat(any.handshakes()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);
            assertThat(first.handshakes()).containsExactly(Handshake.AXIMILTER);
            assertThat(redis.isAlive()).isTrue();
        }
    }
}
