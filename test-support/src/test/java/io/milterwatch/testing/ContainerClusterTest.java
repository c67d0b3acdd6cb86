package io.milterwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.testcontainers.images.PullPolicy;
import org.testcontainers.utility.DockerImageName;

class ContainerClusterTest {

    @Test
    void anImageBuiltHereIsNeverPulledNorLookedUpInTheEnginesList() {
        final DockerImageName local = DockerImageName.parse("localhost/milterwatch-kafka-tc:4.4.0");
        // No engine runs in this test: the default policy would have to ask one, this one must not.
        assertThat(ContainerCluster.pullPolicy(local).shouldPull(local)).isFalse();
    }

    @Test
    void aRegistryImageKeepsTestcontainersDefaultPolicy() {
        final DockerImageName remote = DockerImageName.parse(ContainerCluster.DEFAULT_IMAGE);
        assertThat(ContainerCluster.pullPolicy(remote)).isInstanceOf(PullPolicy.defaultPolicy().getClass());
    }
}
