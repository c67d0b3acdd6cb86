package io.milterwatch.testing;

import java.time.Duration;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.images.PullPolicy;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A broker image (KRaft, single combined node) through Testcontainers, for machines with a Docker
 * API (Docker, or podman's {@code podman system service} with {@code DOCKER_HOST} pointing at it).
 * The image is {@code apache/kafka:4.4.0} unless the system property {@value #IMAGE_PROPERTY} names
 * another that starts like it ({@code /etc/kafka/docker/run}, the same {@code KAFKA_*} variables):
 * CI gives {@code localhost/milterwatch-kafka:4.4.0}, built from Maven Central's jars by
 * {@code deploy/kafka/build-image}, since it has no registry.
 */
final class ContainerCluster implements KafkaClusterExtension.ClosableCluster {

    static final String IMAGE_PROPERTY = "milterwatch.kafka.image";
    static final String DEFAULT_IMAGE = "apache/kafka:4.4.0";

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

    static DockerImageName image() {
        final String name = System.getProperty(IMAGE_PROPERTY, "").trim();
        if (name.isEmpty() || name.startsWith("${")) {
            return DockerImageName.parse(DEFAULT_IMAGE);
        }
        try {
            return DockerImageName.parse(name).asCompatibleSubstituteFor("apache/kafka");
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(IMAGE_PROPERTY + ": '" + name + "' is not an image name: " + e.getMessage(), e);
        }
    }

    /**
     * An image under {@code localhost/} was built on this machine and no registry has it: it is
     * never pulled, and Testcontainers' default policy is not asked. That policy lists every image
     * the engine holds first, and podman answers the list with an error while another build is
     * writing an image (CI builds the compose images beside this run): "checking if image ... is
     * dangling: ... file does not exist".
     */
    static ImagePullPolicy pullPolicy(final DockerImageName image) {
        final boolean local = "localhost".equals(image.getRegistry());
        return local ? imageName -> false : PullPolicy.defaultPolicy();
    }

    @SuppressWarnings("resource")
    static ContainerCluster start() {
        final DockerImageName image = image();
        if (!dockerAvailable()) {
            throw new IllegalStateException("milterwatch.kafka=testcontainers but no Docker API answers (DOCKER_HOST="
                    + System.getenv("DOCKER_HOST") + "): start one (.ci/containers-setup starts podman's) or use milterwatch.kafka=testkit");
        }
        final KafkaContainer container = new KafkaContainer(image)
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_NUM_PARTITIONS", "3")
                // Small, like the test kit's broker: the machines that run this are shared.
                .withEnv("KAFKA_HEAP_OPTS", "-Xmx256m -Xms256m")
                // Testcontainers' 60 s is too little for a broker JVM on a busy two-core CI machine.
                .withStartupTimeout(Duration.ofMinutes(4))
                .withImagePullPolicy(pullPolicy(image));
        try {
            container.start();
        } catch (final RuntimeException e) {
            throw new IllegalStateException("cannot start the Kafka image " + image + " through Testcontainers: " + e.getMessage(), e);
        }
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
