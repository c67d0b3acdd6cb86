package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.LocalPorts;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery after SIGKILL (issue 16, item 10): a processor, then a worker, each run from its role jar
 * against a real broker, is killed with SIGKILL once ready and started again as its supervisor
 * would (same settings, same state directory). With a session timeout of 120 s, a restarted member
 * with dynamic membership waits for the killed member's session to expire before it gets any
 * partition; with static membership (a stable {@code group.instance.id}) it takes them back at once.
 * The test asserts that the restarted process is ready well inside the killed member's session
 * (so not by its expiry), and prints the measured time to ready.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class RestartAfterKillIT {

    private static final int SESSION_TIMEOUT_MS = 120_000;
    /** Half the session: a restart that waited for the killed member's session to expire cannot be ready by then. */
    private static final Duration WELL_INSIDE_THE_SESSION = Duration.ofMillis(SESSION_TIMEOUT_MS / 2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path stateDir;

    @Test
    void shouldBeReadyWellBeforeTheKilledMembersSessionExpiresWhenTheProcessorIsRestartedAfterSigkill(final KafkaCluster cluster)
            throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("restartp");
        ensureTopics(cluster, prefix);
        final int port = LocalPorts.freePort();
        final Map<String, String> env = Map.of("MILTERWATCH_PROCESSOR_APPLICATION_ID", prefix + "-processor",
                "MILTERWATCH_PROCESSOR_STATE_DIR", stateDir.toString(), "MILTERWATCH_PROCESSOR_HTTP_PORT", Integer.toString(port));
        final Path jar = Path.of("..", "stream-processor", "target", "milterwatch-processor.jar");

        // when / then
        final long ms = killAndRestart(cluster, prefix, jar, env, port, "processor");
        System.out.printf("RestartAfterKillIT: processor ready %d ms after its restart (session timeout %d ms)%n", ms, SESSION_TIMEOUT_MS);
        assertThat(Duration.ofMillis(ms)).isLessThan(WELL_INSIDE_THE_SESSION);
    }

    @Test
    void shouldBeReadyWellBeforeTheKilledMembersSessionExpiresWhenTheWorkerIsRestartedAfterSigkill(final KafkaCluster cluster)
            throws Exception {
        // given
        final String prefix = KafkaCluster.uniquePrefix("restartw");
        ensureTopics(cluster, prefix);
        final int port = LocalPorts.freePort();
        final Map<String, String> env = Map.of("MILTERWATCH_WORKER_VANTAGE", prefix, "MILTERWATCH_WORKER_ZONE", "INTERNAL",
                "MILTERWATCH_WORKER_HTTP_PORT", Integer.toString(port));
        final Path jar = Path.of("..", "probe-worker", "target", "milterwatch-worker.jar");

        // when / then
        final long ms = killAndRestart(cluster, prefix, jar, env, port, "worker");
        System.out.printf("RestartAfterKillIT: worker ready %d ms after its restart (session timeout %d ms)%n", ms, SESSION_TIMEOUT_MS);
        assertThat(Duration.ofMillis(ms)).isLessThan(WELL_INSIDE_THE_SESSION);
    }

    private static void ensureTopics(final KafkaCluster cluster, final String prefix) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, Topics.withPrefix(prefix), 3, (short) -1);
        }
    }

    /** Starts the jar, waits until ready, SIGKILLs it, starts it again: the milliseconds from the second start to ready. */
    private long killAndRestart(final KafkaCluster cluster, final String prefix, final Path jar, final Map<String, String> roleEnv,
            final int port, final String role) throws Exception {
        assertThat(jar).as("the " + role + "'s role jar is built before integration tests").exists();
        final Process first = start(cluster, prefix, jar, roleEnv, role);
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> ready(port));
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(20, TimeUnit.SECONDS);
        }
        assertThat(first.isAlive()).isFalse();
        final long restartedAt = System.nanoTime();
        final Process second = start(cluster, prefix, jar, roleEnv, role);
        try {
            await().atMost(Duration.ofSeconds(SESSION_TIMEOUT_MS / 1000 + 60)).pollInterval(Duration.ofMillis(100)).until(() -> ready(port));
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
        } finally {
            second.destroy();
            if (!second.waitFor(40, TimeUnit.SECONDS)) {
                second.destroyForcibly();
            }
        }
    }

    private static Process start(final KafkaCluster cluster, final String prefix, final Path jar, final Map<String, String> roleEnv,
            final String role) throws Exception {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString());
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MILTERWATCH_") || k.startsWith("KAFKA_"));
        env.put("MILTERWATCH_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("MILTERWATCH_TOPIC_PREFIX", prefix);
        env.put("KAFKA_SESSION_TIMEOUT_MS", Integer.toString(SESSION_TIMEOUT_MS));
        env.putAll(roleEnv);
        final File log = Files.createTempFile(role, ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
    }

    private boolean ready(final int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (final Exception e) {
            return false;
        }
    }
}
