package io.milterwatch.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.ConfigException;
import io.milterwatch.config.Settings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Creates the pipeline's missing topics with the partitions, replication and min ISR the settings give. */
public final class TopicProvisioner {

    private TopicProvisioner() {
    }

    /** Creates what is missing; returns what {@link TopicAdmin#ensureTopics} reports. */
    public static List<String> ensureTopics(final Settings settings, final Topics topics) throws InterruptedException {
        final Map<String, Object> props = new HashMap<>(settings.kafkaOverrides());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.string(CommonSettings.BOOTSTRAP_SERVERS.name()));
        final int partitions = settings.intIn(CommonSettings.TOPIC_PARTITIONS.name(), 1, 10_000);
        final short replication = (short) settings.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32);
        final int minIsr = minInsyncReplicas(settings);
        try (Admin admin = Admin.create(props)) {
            return TopicAdmin.ensureTopics(admin, topics, partitions, replication, minIsr, retention(settings));
        }
    }

    /** {@code topic.retention.ms} and {@code topic.retention.bytes} of the high-volume topics. */
    public static TopicAdmin.Retention retention(final Settings settings) {
        final long ms = settings.longIn(CommonSettings.TOPIC_RETENTION_MS.name(), -1, Long.MAX_VALUE);
        final long bytes = settings.longIn(CommonSettings.TOPIC_RETENTION_BYTES.name(), -1, Long.MAX_VALUE);
        if (ms == 0) {
            throw new ConfigException(CommonSettings.TOPIC_RETENTION_MS.name(), "0 would delete records at once: use -1 for no time bound");
        }
        if (bytes == 0) {
            throw new ConfigException(CommonSettings.TOPIC_RETENTION_BYTES.name(), "0 would delete records at once: use -1 for no size bound");
        }
        return new TopicAdmin.Retention(ms, bytes);
    }

    /** {@code topic.min.insync.replicas}, checked against {@code topic.replication.factor} before anything is created. */
    public static int minInsyncReplicas(final Settings settings) {
        final int replication = settings.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32);
        final int minIsr = settings.intIn(CommonSettings.TOPIC_MIN_ISR.name(), -1, 32);
        if (minIsr == 0) {
            throw new ConfigException(CommonSettings.TOPIC_MIN_ISR.name(), "0 is not allowed: use -1 for the broker's default, or 1 and up");
        }
        if (replication > 0 && minIsr > replication) {
            throw new ConfigException(CommonSettings.TOPIC_MIN_ISR.name(), "value " + minIsr + " is above "
                    + CommonSettings.TOPIC_REPLICATION.name() + " " + replication + ": every acks=all write would fail");
        }
        return minIsr;
    }
}
