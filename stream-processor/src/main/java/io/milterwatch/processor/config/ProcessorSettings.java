package io.milterwatch.processor.config;

import java.util.ArrayList;
import java.util.List;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Setting;

/** Every setting the stream processor reads, with its default. */
public final class ProcessorSettings {

    public static final Setting APPLICATION_ID = new Setting("processor.application.id", "milterwatch-processor",
            "Kafka Streams application.id: consumer group, transactional id and internal topic prefix");
    public static final Setting STATE_DIR = new Setting("processor.state.dir", "milterwatch-data/streams",
            "Directory of the local state stores (rebuilt from changelogs when lost)");
    public static final Setting SCHEDULE_TICK_MS = new Setting("processor.schedule.tick.ms", "1000",
            "How often the scheduler looks for targets whose re-probe is due");
    public static final Setting REQUEST_DEADLINE_MS = new Setting("processor.request.deadline.ms", "600000",
            "A probe request older than this is answered with an ERROR (expired) instead of probed");
    public static final Setting COMMIT_INTERVAL_MS = new Setting("processor.commit.interval.ms", "100",
            "Kafka Streams commit interval; with exactly_once_v2 it bounds how soon outputs become readable");
    public static final Setting THREADS = new Setting("processor.threads", "1", "Stream threads per instance");
    public static final Setting FIREWALL_ZONE = new Setting("processor.firewall.zone", "UTC",
            "Time zone of firewall log times written without one (BSD syslog, Windows Firewall, PAN-OS)");
    public static final Setting FIREWALL_PREFIX_ACTIONS = new Setting("processor.firewall.prefix.actions", "none",
            "Netfilter log prefix rules TEXT=ALLOW|DROP|REJECT|UNKNOWN|AUDIT, comma-separated, before the built-in ones; none for none");
    public static final Setting FIREWALL_VPC_FORMAT = new Setting("processor.firewall.vpc.format", "default",
            "AWS VPC Flow Logs format string (${version} ${srcaddr} ...); default for the v2 default format");
    public static final Setting FIREWALL_MAX_LINE_CHARS = new Setting("processor.firewall.max.line.chars", "2048",
            "Firewall events keep the original line cut to this many characters");

    public static final List<Setting> PROCESSOR = List.of(APPLICATION_ID, STATE_DIR, SCHEDULE_TICK_MS, REQUEST_DEADLINE_MS,
            COMMIT_INTERVAL_MS, THREADS, FIREWALL_ZONE, FIREWALL_PREFIX_ACTIONS, FIREWALL_VPC_FORMAT, FIREWALL_MAX_LINE_CHARS);

    public static List<Setting> all() {
        final List<Setting> all = new ArrayList<>(CommonSettings.ALL);
        all.addAll(PROCESSOR);
        return List.copyOf(all);
    }

    private ProcessorSettings() {
    }
}
