package io.milterwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The role jars a remote vantage or a processor host runs are slim: no Kafka broker, no Scala, and
 * the worker no Kafka Streams either; each starts on its own and names a bad argument. The full
 * jar holds every command.
 */
class RoleJarsIT {

    private static final Path WORKER = Path.of("..", "probe-worker", "target", "milterwatch-worker.jar");
    private static final Path PROCESSOR = Path.of("..", "stream-processor", "target", "milterwatch-processor.jar");
    private static final Path FULL = Path.of("target", "milterwatch.jar");

    @Test
    void shouldShipNoBrokerNorScalaWhenTheWorkerJarIsBuilt() throws IOException {
        final List<String> entries = entries(WORKER);
        assertThat(entries).contains("io/milterwatch/worker/WorkerApp.class", "io/milterwatch/schema/ProbeResult.class");
        assertThat(entries).noneMatch(e -> e.startsWith("kafka/server/") || e.startsWith("scala/")
                || e.startsWith("org/apache/kafka/streams/") || e.startsWith("io/milterwatch/processor/")
                || e.startsWith("io/milterwatch/cli/") || e.startsWith("org/junit/"));
    }

    @Test
    void shouldShipNoBrokerNorScalaWhenTheProcessorJarIsBuilt() throws IOException {
        final List<String> entries = entries(PROCESSOR);
        assertThat(entries).contains("io/milterwatch/processor/StreamsApp.class", "org/apache/kafka/streams/KafkaStreams.class");
        assertThat(entries).noneMatch(e -> e.startsWith("kafka/server/") || e.startsWith("scala/")
                || e.startsWith("io/milterwatch/worker/") || e.startsWith("io/milterwatch/cli/") || e.startsWith("org/junit/"));
    }

    @Test
    void shouldHoldEveryCommandWhenTheFullJarIsBuilt() throws IOException {
        assertThat(entries(FULL)).contains("io/milterwatch/app/Milterwatch.class", "io/milterwatch/demo/DemoCommand.class",
                "io/milterwatch/bench/BenchProbeCommand.class", "kafka/server/KafkaRaftServer.class");
    }

    @Test
    @Timeout(60)
    void shouldNameTheBadArgumentAndExitTwoWhenARoleJarIsMisused() throws Exception {
        for (final Path jar : List.of(WORKER, PROCESSOR)) {
            final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    jar.toString(), "--bootstrap-server", "localhost:9092").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(jar + ": " + out).isEqualTo(2);
            assertThat(out).as(jar.toString()).contains("--bootstrap-server: unknown argument").contains("--config FILE");
        }
    }

    private static List<String> entries(final Path jar) throws IOException {
        assertThat(jar).as("built in its module's package phase, before integration tests").exists();
        final List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().map(ZipEntry::getName).forEach(names::add);
        }
        System.out.printf("%s: %.1f MB, %d entries%n", jar.getFileName(), Files.size(jar) / 1e6, names.size());
        return names;
    }
}
