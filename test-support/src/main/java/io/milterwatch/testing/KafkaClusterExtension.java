package io.milterwatch.testing;

import java.util.Locale;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives integration tests a real Kafka cluster, started once per test run and shared (tests keep
 * apart by unique topic prefixes). Which cluster is chosen by the system property
 * {@code milterwatch.kafka}:
 * <ul>
 *   <li>{@code testkit}: Kafka's in-JVM KRaft test kit (one controller, one broker);</li>
 *   <li>{@code testcontainers}: the {@code apache/kafka} image through Testcontainers;</li>
 *   <li>{@code auto} (default): Testcontainers when a Docker engine answers, else the test kit.</li>
 * </ul>
 * Use with {@code @ExtendWith(KafkaClusterExtension.class)} and a {@link KafkaCluster} parameter.
 */
public final class KafkaClusterExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaClusterExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaClusterExtension.class);
    public static final String PROPERTY = "milterwatch.kafka";

    @Override
    public void beforeAll(final ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameter, final ExtensionContext context) {
        return cluster(context);
    }

    private static KafkaCluster cluster(final ExtensionContext context) {
        // The root store closes the cluster when the whole run ends.
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("cluster", k -> start(), ClosableCluster.class);
    }

    private static ClosableCluster start() {
        final String choice = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        final ClosableCluster cluster = switch (choice) {
            case "testkit" -> TestKitCluster.start();
            case "testcontainers" -> ContainerCluster.start();
            case "auto", "", "${milterwatch.kafka}" -> ContainerCluster.dockerAvailable() ? ContainerCluster.start() : TestKitCluster.start();
            default -> throw new IllegalArgumentException(PROPERTY + ": '" + choice + "' is not one of auto, testkit, testcontainers");
        };
        LOG.info("integration tests use a {} cluster at {}", cluster.kind(), cluster.bootstrapServers());
        return cluster;
    }

    /** A cluster the JUnit store closes at the end of the run. */
    interface ClosableCluster extends KafkaCluster, AutoCloseable {
    }
}
