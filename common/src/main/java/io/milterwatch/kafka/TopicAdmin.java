package io.milterwatch.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics when they are missing, the high-volume ones bounded in time; existing
 * topics keep their partitions and replication.
 */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {
    }

    /**
     * Creates the missing topics with the broker's {@code min.insync.replicas}.
     *
     * @param replication -1 for the broker default
     * @return the topics that were created now
     */
    public static List<String> ensureTopics(final Admin admin, final Topics topics, final int partitions, final short replication)
            throws InterruptedException {
        return ensureTopics(admin, topics, partitions, replication, -1);
    }

    /**
     * @param replication -1 for the broker default
     * @param minInsyncReplicas {@code min.insync.replicas} of the created topics; -1 for the broker default
     * @return the topics that were created now
     */
    public static List<String> ensureTopics(final Admin admin, final Topics topics, final int partitions, final short replication,
            final int minInsyncReplicas) throws InterruptedException {
        return ensureTopics(admin, topics, partitions, replication, minInsyncReplicas, Retention.BROKER_DEFAULT);
    }

    /**
     * How long the high-volume topics keep records ({@link Topics#highVolume()}); -1 for unbounded
     * (by that measure). {@link #BROKER_DEFAULT} sets nothing.
     */
    public record Retention(long ms, long bytes) {
        public static final Retention BROKER_DEFAULT = new Retention(Long.MIN_VALUE, Long.MIN_VALUE);

        boolean set() {
            return ms != Long.MIN_VALUE;
        }

        Map<String, String> configs() {
            return set() ? Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(ms), TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(bytes))
                    : Map.of();
        }
    }

    /**
     * Creates the missing topics; the high-volume ones get {@code retention}. An existing high-volume
     * topic whose retention is still the broker's default (created by a version that set none) gets
     * it too; one whose retention an operator set is left alone.
     *
     * @return the topics that were created now
     */
    public static List<String> ensureTopics(final Admin admin, final Topics topics, final int partitions, final short replication,
            final int minInsyncReplicas, final Retention retention) throws InterruptedException {
        if (replication > 0 && minInsyncReplicas > replication) {
            // Every acks=all write to such a topic would fail with NOT_ENOUGH_REPLICAS.
            throw new IllegalArgumentException("min.insync.replicas " + minInsyncReplicas + " is above the replication factor " + replication);
        }
        final List<NewTopic> wanted = new ArrayList<>();
        final Optional<Short> rf = replication < 0 ? Optional.empty() : Optional.of(replication);
        for (final String name : topics.all()) {
            final NewTopic topic = new NewTopic(name, Optional.of(partitions), rf);
            final Map<String, String> configs = new TreeMap<>();
            if (topics.compacted().contains(name)) {
                configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            }
            if (topics.highVolume().contains(name)) {
                configs.putAll(retention.configs());
            }
            if (minInsyncReplicas > 0) {
                configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas));
            }
            topic.configs(configs);
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
            boundOthers(admin, topics, created, retention);
            return created;
        }
        final var result = admin.createTopics(wanted);
        for (final NewTopic t : wanted) {
            try {
                result.values().get(t.name()).get(30, TimeUnit.SECONDS);
                created.add(t.name());
                LOG.info("created topic {} ({} partitions, replication {}, {})", t.name(), partitions,
                        replication < 0 ? "broker default" : replication, t.configs());
            } catch (final ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + t.name() + ": " + rootMessage(e), e);
                }
            } catch (final TimeoutException e) {
                throw new IllegalStateException("timed out creating topic " + t.name(), e);
            }
        }
        awaitLeaders(admin, created, partitions);
        boundOthers(admin, topics, created, retention);
        return created;
    }

    /**
     * Returns once the leader of every partition of the topics created now answers for it. A topic
     * is in the metadata a moment before its leader has taken the partition on; an idempotent
     * producer that writes in that moment with several requests in flight can have its first
     * request refused (NOT_LEADER_OR_FOLLOWER) and a later one accepted, and the first then fails
     * with OUT_OF_ORDER_SEQUENCE_NUMBER on every retry until it expires: records lost (KAFKA-15591).
     * A ListOffsets answer comes from the leader's own partition, so after it that cannot happen.
     */
    private static void awaitLeaders(final Admin admin, final List<String> created, final int partitions) throws InterruptedException {
        if (created.isEmpty()) {
            return;
        }
        final Map<TopicPartition, OffsetSpec> all = new java.util.HashMap<>();
        for (final String topic : created) {
            for (int p = 0; p < partitions; p++) {
                all.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(all).all().get(30, TimeUnit.SECONDS);
                return;
            } catch (final ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the topics created (" + created + ") have no leader answering after 30 s: "
                            + rootMessage(e), e);
                }
                LOG.debug("waiting for the leaders of the topics just created: {}", rootMessage(e));
                Thread.sleep(100);
            }
        }
    }

    /**
     * The high-volume topics not created now existed already (listed, or refused as existing: a
     * listing can lag a topic made a moment ago); those with the broker's default retention get it.
     */
    private static void boundOthers(final Admin admin, final Topics topics, final List<String> created, final Retention retention)
            throws InterruptedException {
        if (retention.set()) {
            boundExisting(admin, topics.highVolume().stream().filter(n -> !created.contains(n)).toList(), retention);
        }
    }

    /** Gives {@code retention} to those of {@code names} whose retention.ms is still the broker's default. */
    private static void boundExisting(final Admin admin, final List<String> names, final Retention retention) throws InterruptedException {
        if (names.isEmpty()) {
            return;
        }
        whileTopicsAreNew(() -> {
            boundExistingOnce(admin, names, retention);
            return null;
        });
    }

    private interface AdminCall<T> {
        T call() throws InterruptedException;
    }

    /**
     * Runs {@code call} again (for up to 30 s) while it fails because a broker does not know a topic
     * yet: one created a moment ago reaches every broker a little later.
     */
    private static <T> T whileTopicsAreNew(final AdminCall<T> call) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return call.call();
            } catch (final IllegalStateException e) {
                if (!(e.getCause() instanceof ExecutionException x && x.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void boundExistingOnce(final Admin admin, final List<String> names, final Retention retention) throws InterruptedException {
        try {
            final List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            final Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            final Map<ConfigResource, java.util.Collection<AlterConfigOp>> changes = new java.util.HashMap<>();
            for (final ConfigResource r : resources) {
                final ConfigEntry ms = configs.get(r).get(TopicConfig.RETENTION_MS_CONFIG);
                if (ms == null || ms.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                    changes.put(r, retention.configs().entrySet().stream()
                            .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList());
                }
            }
            if (!changes.isEmpty()) {
                admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
                awaitRetention(admin, List.copyOf(changes.keySet()), retention);
                changes.keySet().forEach(r -> LOG.info("topic {}: retention.ms={} retention.bytes={} (it had the broker's default)",
                        r.name(), retention.ms(), retention.bytes()));
            }
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot set the retention of " + names + ": " + rootMessage(e), e);
        }
    }

    /** Until every broker describes the new retention (a change reaches the brokers a moment after the controller), at most 15 s. */
    private static void awaitRetention(final Admin admin, final List<ConfigResource> resources, final Retention retention)
            throws InterruptedException, ExecutionException, TimeoutException {
        // Each describe is answered by one broker (the least loaded): ten answers in a row that show it
        // make it all but certain that every broker has it.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int inARow = 0;
        while (System.nanoTime() < deadline) {
            final Map<ConfigResource, Config> now = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            final boolean visible = resources.stream()
                    .allMatch(r -> Long.toString(retention.ms()).equals(now.get(r).get(TopicConfig.RETENTION_MS_CONFIG).value()));
            inARow = visible ? inARow + 1 : 0;
            if (inARow >= 10) {
                return;
            }
            Thread.sleep(50);
        }
        LOG.warn("the new retention of {} is not visible on every broker yet", resources.stream().map(ConfigResource::name).toList());
    }

    /** What a topic is now: partitions, replication and the settings that decide its durability and its size on disk. */
    public record TopicInfo(String name, int partitions, int replication, int minInsyncReplicas, String cleanupPolicy,
            long retentionMs, long retentionBytes) {

        /** A topic that deletes nothing, by time or by size (compacted topics are bounded by their keys). */
        public boolean unbounded() {
            return !cleanupPolicy.contains(TopicConfig.CLEANUP_POLICY_COMPACT) && retentionMs < 0 && retentionBytes < 0;
        }
    }

    /**
     * Describes existing topics, in the order given. A topic created a moment ago may not be known to
     * every broker yet (UNKNOWN_TOPIC_OR_PARTITION): asked again for up to 30 s.
     */
    public static List<TopicInfo> describe(final Admin admin, final List<String> names) throws InterruptedException {
        return whileTopicsAreNew(() -> describeOnce(admin, names));
    }

    private static List<TopicInfo> describeOnce(final Admin admin, final List<String> names) throws InterruptedException {
        try {
            final Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            final List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            final Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            final List<TopicInfo> infos = new ArrayList<>();
            for (final String name : names) {
                final TopicDescription d = descriptions.get(name);
                final Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
                infos.add(new TopicInfo(name, d.partitions().size(), d.partitions().get(0).replicas().size(),
                        Integer.parseInt(c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()),
                        c.get(TopicConfig.CLEANUP_POLICY_CONFIG).value(),
                        Long.parseLong(c.get(TopicConfig.RETENTION_MS_CONFIG).value()),
                        Long.parseLong(c.get(TopicConfig.RETENTION_BYTES_CONFIG).value())));
            }
            return infos;
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe topics " + names + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(final Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
