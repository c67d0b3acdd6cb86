package io.milterwatch.config;

import java.util.List;

/** Settings every milterwatch process reads. */
public final class CommonSettings {

    public static final Setting BOOTSTRAP_SERVERS = new Setting("bootstrap.servers", "localhost:9092",
            "Kafka bootstrap servers, host:port[,host:port...]; for run, unset means its embedded broker");
    public static final Setting TOPIC_PREFIX = new Setting("topic.prefix", "milterwatch",
            "Prefix of every topic name (PREFIX.targets, PREFIX.probe-results, ...)");
    public static final Setting TOPIC_PARTITIONS = new Setting("topic.partitions", "3",
            "Partitions of the topics milterwatch creates when they are missing");
    public static final Setting TOPIC_REPLICATION = new Setting("topic.replication.factor", "-1",
            "Replication factor of topics milterwatch creates; -1 takes the broker's default.replication.factor");
    public static final Setting TOPIC_MIN_ISR = new Setting("topic.min.insync.replicas", "-1",
            "min.insync.replicas of topics milterwatch creates (at most their replication factor); -1 takes the broker's min.insync.replicas");
    public static final Setting TOPIC_RETENTION_MS = new Setting("topic.retention.ms", "86400000",
            "retention.ms of the high-volume topics (probe requests and results, raw firewall lines, firewall events, DLQ), applied when "
                    + "they are created and to existing ones that still have the broker's default; -1 keeps them forever");
    public static final Setting TOPIC_RETENTION_BYTES = new Setting("topic.retention.bytes", "-1",
            "retention.bytes per partition of the high-volume topics, applied like topic.retention.ms; -1 bounds them by time only");

    /** Read by the logging configuration (logback.xml) straight from the environment. */
    public static final Setting LOG_LEVEL = new Setting("log.level", "INFO", "Log level of milterwatch's own loggers (Kafka's stay at WARN)");

    public static final List<Setting> ALL = List.of(BOOTSTRAP_SERVERS, TOPIC_PREFIX, TOPIC_PARTITIONS, TOPIC_REPLICATION, TOPIC_MIN_ISR,
            TOPIC_RETENTION_MS, TOPIC_RETENTION_BYTES, LOG_LEVEL);

    private CommonSettings() {
    }
}
