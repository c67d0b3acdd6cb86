package io.milterwatch.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the pipeline's topics when they are missing; existing topics are left as they are. */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {
    }

    /**
     * @param replication -1 for the broker default
     * @return the topics that were created now
     */
    public static List<String> ensureTopics(final Admin admin, final Topics topics, final int partitions, final short replication)
            throws InterruptedException {
        final List<NewTopic> wanted = new ArrayList<>();
        final Optional<Short> rf = replication < 0 ? Optional.empty() : Optional.of(replication);
        for (final String name : topics.all()) {
            final NewTopic topic = new NewTopic(name, Optional.of(partitions), rf);
            if (topics.compacted().contains(name)) {
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            wanted.add(topic);
        }
        final Set<String> existing;
        try {
            existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics on the cluster: " + rootMessage(e), e);
        }
        wanted.removeIf(t -> existing.contains(t.name()));
        final List<String> created = new ArrayList<>();
        if (wanted.isEmpty()) {
            return created;
        }
        final var result = admin.createTopics(wanted);
        for (final NewTopic t : wanted) {
            try {
                result.values().get(t.name()).get(30, TimeUnit.SECONDS);
                created.add(t.name());
                LOG.info("created topic {} ({} partitions)", t.name(), partitions);
            } catch (final ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + t.name() + ": " + rootMessage(e), e);
                }
            } catch (final TimeoutException e) {
                throw new IllegalStateException("timed out creating topic " + t.name(), e);
            }
        }
        return created;
    }

    private static String rootMessage(final Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
