package io.milterwatch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.KafkaNames;
import io.milterwatch.config.Setting;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.worker.config.WorkerSettings;
import picocli.CommandLine.Option;

/** Options every subcommand shares: where the cluster is, which topics, which config file. */
public final class ConnectionOptions {

    /** Every setting of every role: one config file or environment can serve them all. */
    public static final List<Setting> ALL_SETTINGS = allSettings();

    /** Kafka property names {@code KAFKA_*} variables may set: the clients' and Kafka Streams'. */
    public static final java.util.Set<String> KAFKA_NAMES = KafkaNames.with(org.apache.kafka.streams.StreamsConfig.configDef().names());

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka cluster (env MILTERWATCH_BOOTSTRAP_SERVERS; default localhost:9092, where `run` puts its embedded broker)")
    String bootstrapServers;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Topic name prefix (env MILTERWATCH_TOPIC_PREFIX; default milterwatch)")
    String topicPrefix;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with settings (below environment and flags)")
    Path config;

    /** Loads every setting with these flags (and any extra flags of the subcommand) on top. */
    public Settings settings(final Map<String, String> extraFlags) {
        final Map<String, String> flags = new HashMap<>(extraFlags);
        if (bootstrapServers != null) {
            flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        }
        if (topicPrefix != null) {
            flags.put(CommonSettings.TOPIC_PREFIX.name(), topicPrefix);
        }
        return Settings.load(ALL_SETTINGS, config, System.getenv(), flags, ConnectionOptions.KAFKA_NAMES);
    }

    public Settings settings() {
        return settings(Map.of());
    }

    public Topics topics(final Settings s) {
        return Topics.withPrefix(s.string(CommonSettings.TOPIC_PREFIX.name()));
    }

    private static List<Setting> allSettings() {
        final LinkedHashSet<Setting> all = new LinkedHashSet<>(WorkerSettings.all());
        all.addAll(ProcessorSettings.all());
        return List.copyOf(new ArrayList<>(all));
    }
}
