package io.milterwatch.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** The {@code apache/kafka} image (KRaft, single node) through Testcontainers, for machines with Docker. */
final class ContainerCluster implements KafkaClusterExtension.ClosableCluster {

    static final DockerImageName IMAGE = DockerImageName.parse("apache/kafka:4.1.1");

    private final KafkaContainer container;

    private ContainerCluster(final KafkaContainer container) {
        this.container = container;
    }

    static boolean dockerAvailable() {
        // Without a socket or a DOCKER_HOST there is nothing to ask; Testcontainers' own search
        // would spend tens of seconds per test JVM trying every strategy first.
        if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
                && System.getProperty("user.home") != null
                && !java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (final RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static ContainerCluster start() {
        final KafkaContainer container = new KafkaContainer(IMAGE)
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_NUM_PARTITIONS", "3");
        container.start();
        return new ContainerCluster(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String kind() {
        return "testcontainers";
    }

    @Override
    public void close() {
        container.stop();
    }
}
