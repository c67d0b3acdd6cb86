package io.milterwatch.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.TopicAdmin.TopicInfo;
import io.milterwatch.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * Creates the pipeline's topics ahead of the processes that use them: a one-shot step of a
 * deployment (docker-compose's {@code topics} service), so that replication and
 * {@code min.insync.replicas} are decided once, by the operator, from the one list of topic names.
 */
@Command(name = "topics", description = "Create the pipeline's topics.", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch topics create --bootstrap-servers kafka-1:9092",
                "  MILTERWATCH_TOPIC_REPLICATION_FACTOR=3 MILTERWATCH_TOPIC_MIN_INSYNC_REPLICAS=2 milterwatch topics create"},
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create the missing topics with topic.partitions, topic.replication.factor and topic.min.insync.replicas,",
                    "then print every topic as it is, with its retention. The high-volume topics (probe requests and results, raw",
                    "firewall lines, firewall events, DLQ) get topic.retention.ms (default 24 h), existing ones too while they have",
                    "the broker's default; other settings of existing topics are left as they are. A topic less durable than asked,",
                    "or one that keeps everything forever, is reported on stderr."},
            footerHeading = "%nExamples:%n",
            footer = {"  milterwatch topics create --bootstrap-servers kafka-1:9092",
                    "  MILTERWATCH_TOPIC_REPLICATION_FACTOR=3 MILTERWATCH_TOPIC_MIN_INSYNC_REPLICAS=2 milterwatch topics create"})
    static final class Create implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            final Settings s = connection.settings();
            final Topics topics = connection.topics(s);
            final int replication = s.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32);
            final int minIsr = TopicProvisioner.minInsyncReplicas(s);
            final List<String> created = TopicProvisioner.ensureTopics(s, topics);
            final Map<String, Object> props = new HashMap<>(s.kafkaOverrides());
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.string(CommonSettings.BOOTSTRAP_SERVERS.name()));
            final List<TopicInfo> infos;
            try (Admin admin = Admin.create(props)) {
                infos = TopicAdmin.describe(admin, topics.all());
            }
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            for (final TopicInfo t : infos) {
                out.println(String.format(Locale.ROOT,
                        "%-8s %-45s partitions=%d replication=%d min.insync.replicas=%d cleanup.policy=%s retention.ms=%d retention.bytes=%d",
                        created.contains(t.name()) ? "created" : "exists", t.name(), t.partitions(), t.replication(),
                        t.minInsyncReplicas(), t.cleanupPolicy(), t.retentionMs(), t.retentionBytes()));
                if (t.unbounded()) {
                    err.println("warning: " + t.name() + " keeps every record forever (retention.ms=-1, retention.bytes=-1) and will fill "
                            + "the disk; bound it, e.g. kafka-configs --alter --entity-type topics --entity-name " + t.name()
                            + " --add-config retention.ms=86400000");
                }
                if (replication > 0 && t.replication() < replication) {
                    err.println("warning: " + t.name() + " has replication " + t.replication() + ", less than "
                            + CommonSettings.TOPIC_REPLICATION.name() + " " + replication + " (existing topics are not changed)");
                }
                if (minIsr > 0 && t.minInsyncReplicas() < minIsr) {
                    err.println("warning: " + t.name() + " has min.insync.replicas " + t.minInsyncReplicas() + ", less than "
                            + CommonSettings.TOPIC_MIN_ISR.name() + " " + minIsr + " (existing topics are not changed)");
                }
            }
            out.println(created.size() + " created, " + (infos.size() - created.size()) + " already there");
            return 0;
        }
    }
}
