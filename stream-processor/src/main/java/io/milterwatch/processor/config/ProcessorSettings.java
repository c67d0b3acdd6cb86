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
    public static final Setting SCHEDULE_MAX_PER_TICK = new Setting("processor.schedule.max.per.tick", "20000",
            "At most this many due re-probes are requested per scheduler tick and task; the rest stay due for the next tick "
                    + "(milterwatch_schedule_overdue counts them), so a backlog never blocks a stream thread or grows one transaction");
    public static final Setting LOG_SUMMARY_MS = new Setting("processor.log.summary.ms", "60000",
            "How often the processor logs one summary line (targets, probe requests, results, alerts, endpoints per state); "
                    + "per-target events are logged at DEBUG only; 0 turns the line off");
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
            "AWS VPC Flow Logs format string (${version} ${srcaddr} ...); default: the v2 default format, and for longer records "
            + "the order in which AWS lists all fields of versions 3-8; a header line of field names sets the order of its stream");
    public static final Setting FIREWALL_MAX_LINE_CHARS = new Setting("processor.firewall.max.line.chars", "2048",
            "Firewall events keep the original line cut to this many characters");

    public static final Setting INTERNAL_NETWORKS = new Setting("processor.internal.networks",
            "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,fc00::/7,::1/128",
            "CIDRs whose firewall sources count as INTERNAL; every other source is EXTERNAL");
    public static final Setting FIREWALL_GRACE_MS = new Setting("processor.firewall.grace.ms", "30000",
            "Firewall events older than the newest for the same ip:port by more than this are late: counted, not acted on");
    public static final Setting FIREWALL_WINDOW_MS = new Setting("processor.firewall.window.ms", "60000",
            "Size of the tumbling event-time windows firewall counts are kept in per ip:port (the state keeps the last 10)");
    public static final Setting REPROBE_MIN_INTERVAL_MS = new Setting("processor.firewall.reprobe.min.interval.ms", "10000",
            "At most one FIREWALL_EVIDENCE re-probe per ip:port per this interval");
    public static final Setting STALE_AFTER_MS = new Setting("processor.stale.after.ms", "1800000",
            "No result from a disallowed-zone vantage for this long makes an ip:port STALE");
    public static final Setting STALE_CHECK_MS = new Setting("processor.stale.check.ms", "10000",
            "How often staleness is checked; each check reads one slice of the stored states (see processor.stale.pass.ms)");
    public static final Setting STALE_PASS_MS = new Setting("processor.stale.pass.ms", "300000",
            "The staleness check reads every stored state once per this period, a slice per check, so that its cost follows the "
                    + "number of states over this period, not per check; a state turns STALE at most this long after it could");
    public static final Setting DEDUPE_RETENTION_MS = new Setting("processor.dedupe.retention.ms", "3600000",
            "How long the request id of a probe result is remembered (per ip:port and vantage), so that a result a worker redelivers "
                    + "is counted once and never applied again; keep it above processor.request.deadline.ms");
    public static final Setting HTTP_HOST = new Setting("processor.http.host", "127.0.0.1",
            "Address the query API binds to (loopback by default)");
    public static final Setting HTTP_PORT = new Setting("processor.http.port", "8470", "Port of the query API; 0 disables it");
    public static final Setting HTTP_TOKEN = new Setting("processor.http.token", "",
            "When set, the query API requires 'Authorization: Bearer TOKEN' on every request (never logged)");
    public static final Setting HTTP_ADVERTISED = new Setting("processor.http.advertised", "",
            "host:port other instances use to reach this one's query API (default: http.host:http.port)");

    public static final Setting HTTP_ALLOWED_HOSTS = new Setting("processor.http.allowed.hosts", "",
            "Host names clients may reach the query API and dashboard by besides processor.http.host, the advertised host, localhost "
                    + "and IP addresses (comma-separated; * for any): a request naming another Host gets 421, the guard against DNS "
                    + "rebinding (a page on another site reading the API through the browser)");
    public static final Setting GROUP_INSTANCE_ID = new Setting("processor.group.instance.id", "auto",
            "Static group membership: a processor restarted (even after SIGKILL) with the same id takes its tasks back at once, "
                    + "not after the old member's session timeout. auto: host name, application id and a digest of the state "
                    + "directory's path (stable across restarts, unique per host); none: dynamic membership; else the id itself "
                    + "(never the same for two live instances)");

    public static final Setting STANDBY_REPLICAS = new Setting("processor.standby.replicas", "0",
            "Kafka Streams num.standby.replicas: copies of each task's stores kept warm on other instances, so that when an "
                    + "instance dies another takes its tasks over without restoring them from the changelogs, and its query API "
                    + "answers for the dead instance's keys from those copies at once; 1 when running two or more processors");

    public static final List<Setting> PROCESSOR = List.of(APPLICATION_ID, STATE_DIR, SCHEDULE_TICK_MS, SCHEDULE_MAX_PER_TICK, LOG_SUMMARY_MS, REQUEST_DEADLINE_MS,
            COMMIT_INTERVAL_MS, THREADS, FIREWALL_ZONE, FIREWALL_PREFIX_ACTIONS, FIREWALL_VPC_FORMAT, FIREWALL_MAX_LINE_CHARS,
            INTERNAL_NETWORKS, FIREWALL_GRACE_MS, FIREWALL_WINDOW_MS, REPROBE_MIN_INTERVAL_MS, STALE_AFTER_MS, STALE_CHECK_MS, STALE_PASS_MS, DEDUPE_RETENTION_MS,
            HTTP_HOST, HTTP_PORT, HTTP_TOKEN, HTTP_ADVERTISED, HTTP_ALLOWED_HOSTS, GROUP_INSTANCE_ID, STANDBY_REPLICAS);

    public static List<Setting> all() {
        final List<Setting> all = new ArrayList<>(CommonSettings.ALL);
        all.addAll(PROCESSOR);
        return List.copyOf(all);
    }

    private ProcessorSettings() {
    }
}
