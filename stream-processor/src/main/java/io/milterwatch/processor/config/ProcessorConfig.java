package io.milterwatch.processor.config;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.ConfigException;
import io.milterwatch.config.GroupInstanceId;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.logic.CorrelationPolicy;
import io.milterwatch.processor.logic.NetworkClassifier;
import io.milterwatch.processor.firewall.FirewallParserConfig;

/** The stream processor's configuration, validated once at start-up. {@link #toString()} hides the API token. */
public record ProcessorConfig(
        String bootstrapServers,
        Topics topics,
        String applicationId,
        Path stateDir,
        Duration scheduleTick,
        Duration requestDeadline,
        long commitIntervalMs,
        int threads,
        NetworkClassifier classifier,
        CorrelationPolicy policy,
        Duration staleCheck,
        Duration dedupeRetention,
        String httpHost,
        int httpPort,
        String httpAdvertised,
        String httpToken,
        Map<String, Object> kafkaOverrides,
        FirewallParserConfig firewall,
        List<String> httpAllowedHosts,
        String groupInstanceId,
        int standbyReplicas,
        Scale scale) {

    /**
     * How the work of a large estate is spread: at most {@code schedulePerTick} scheduled probes per
     * tick and task, a staleness pass over every state per {@code stalePass}, one summary log line
     * per {@code logSummary} (zero: none).
     */
    public record Scale(int schedulePerTick, Duration stalePass, Duration logSummary) {
        public static Scale defaults() {
            return new Scale(20_000, Duration.ofMinutes(5), Duration.ofMinutes(1));
        }
    }


    @Override
    public String toString() {
        return "ProcessorConfig[" + applicationId + " at " + bootstrapServers + ", http " + httpHost + ":" + httpPort
                + (httpToken == null ? "" : " (token set)") + "]";
    }

    public static ProcessorConfig from(final Settings s) {
        final NetworkClassifier classifier;
        try {
            classifier = NetworkClassifier.of(s.string(ProcessorSettings.INTERNAL_NETWORKS.name()));
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(ProcessorSettings.INTERNAL_NETWORKS.name(), e.getMessage());
        }
        final String host = s.string(ProcessorSettings.HTTP_HOST.name());
        final int port = s.intIn(ProcessorSettings.HTTP_PORT.name(), 0, 65535);
        final String advertised = s.stringOrNull(ProcessorSettings.HTTP_ADVERTISED.name());
        return new ProcessorConfig(
                s.string(CommonSettings.BOOTSTRAP_SERVERS.name()),
                Topics.withPrefix(s.string(CommonSettings.TOPIC_PREFIX.name())),
                s.string(ProcessorSettings.APPLICATION_ID.name()),
                Path.of(s.string(ProcessorSettings.STATE_DIR.name())),
                Duration.ofMillis(s.longIn(ProcessorSettings.SCHEDULE_TICK_MS.name(), 10, 3_600_000)),
                Duration.ofMillis(s.longIn(ProcessorSettings.REQUEST_DEADLINE_MS.name(), 1000, 86_400_000)),
                s.longIn(ProcessorSettings.COMMIT_INTERVAL_MS.name(), 1, 600_000),
                s.intIn(ProcessorSettings.THREADS.name(), 1, 64),
                classifier,
                new CorrelationPolicy(
                        Duration.ofMillis(s.longIn(ProcessorSettings.FIREWALL_GRACE_MS.name(), 0, 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.STALE_AFTER_MS.name(), 1000, 30L * 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.REPROBE_MIN_INTERVAL_MS.name(), 0, 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.FIREWALL_WINDOW_MS.name(), 1000, 86_400_000))),
                Duration.ofMillis(s.longIn(ProcessorSettings.STALE_CHECK_MS.name(), 10, 3_600_000)),
                Duration.ofMillis(s.longIn(ProcessorSettings.DEDUPE_RETENTION_MS.name(), 60_000, 30L * 86_400_000)),
                host,
                port,
                advertised == null ? host + ":" + port : advertised,
                s.stringOrNull(ProcessorSettings.HTTP_TOKEN.name()),
                s.kafkaOverrides(),
                firewall(s),
                names(s.stringOrNull(ProcessorSettings.HTTP_ALLOWED_HOSTS.name())),
                GroupInstanceId.resolve(ProcessorSettings.GROUP_INSTANCE_ID.name(), s.string(ProcessorSettings.GROUP_INSTANCE_ID.name()),
                        s.string(ProcessorSettings.APPLICATION_ID.name()),
                        GroupInstanceId.digest(Path.of(s.string(ProcessorSettings.STATE_DIR.name())).toAbsolutePath().normalize().toString())),
                s.intIn(ProcessorSettings.STANDBY_REPLICAS.name(), 0, 8),
                new Scale(s.intIn(ProcessorSettings.SCHEDULE_MAX_PER_TICK.name(), 1, 10_000_000),
                        Duration.ofMillis(s.longIn(ProcessorSettings.STALE_PASS_MS.name(), 10, 30L * 86_400_000)),
                        Duration.ofMillis(s.longIn(ProcessorSettings.LOG_SUMMARY_MS.name(), 0, 86_400_000))));
    }

    private static List<String> names(final String list) {
        return java.util.Arrays.stream(list == null ? new String[0] : list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    private static FirewallParserConfig firewall(final Settings s) {
        final ZoneId zone;
        final String zoneKey = ProcessorSettings.FIREWALL_ZONE.name();
        try {
            zone = ZoneId.of(s.string(zoneKey));
        } catch (final DateTimeException e) {
            throw new ConfigException(zoneKey, "'" + s.string(zoneKey) + "' is not a time zone id (" + e.getMessage() + ")");
        }
        final String rulesKey = ProcessorSettings.FIREWALL_PREFIX_ACTIONS.name();
        final String rules = s.string(rulesKey);
        final String vpcKey = ProcessorSettings.FIREWALL_VPC_FORMAT.name();
        final String vpc = s.string(vpcKey);
        final int maxLine = s.intIn(ProcessorSettings.FIREWALL_MAX_LINE_CHARS.name(), 64, FirewallParserConfig.MAX_INPUT_CHARS);
        FirewallParserConfig config = FirewallParserConfig.defaults().withZone(zone);
        try {
            config = config.withPrefixRules("none".equals(rules) ? null : rules);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(rulesKey, e.getMessage());
        }
        try {
            config = config.withVpcFormat("default".equals(vpc) ? null : vpc);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(vpcKey, e.getMessage());
        }
        return new FirewallParserConfig(config.zone(), config.prefixRules(), config.vpcFormat(), maxLine, "auto");
    }

    /** Defaults with the given topics and state directory: for topology descriptions and tests (dynamic group membership). */
    public static ProcessorConfig defaults(final Topics topics, final Path stateDir) {
        return new ProcessorConfig("localhost:9092", topics, "milterwatch-processor", stateDir, Duration.ofSeconds(1),
                Duration.ofMinutes(10), 100, 1, NetworkClassifier.of(NetworkClassifier.DEFAULT_INTERNAL), CorrelationPolicy.defaults(),
                Duration.ofSeconds(10), Duration.ofHours(1), "127.0.0.1", 0, "127.0.0.1:0", null, Map.of(),
                FirewallParserConfig.defaults(), List.of(), null, 0, Scale.defaults());
    }

    /** The same settings against another cluster and application id (tests and benchmarks). */
    public ProcessorConfig withConnection(final String bootstrap, final String appId) {
        return new ProcessorConfig(bootstrap, topics, appId, stateDir, scheduleTick, requestDeadline, commitIntervalMs, threads, classifier,
                policy, staleCheck, dedupeRetention, httpHost, httpPort, httpAdvertised, httpToken, kafkaOverrides, firewall,
                httpAllowedHosts, groupInstanceId, standbyReplicas, scale);
    }

    /** The same settings with another spread of the work (tests and benchmarks). */
    public ProcessorConfig withScale(final Scale other) {
        return new ProcessorConfig(bootstrapServers, topics, applicationId, stateDir, scheduleTick, requestDeadline, commitIntervalMs, threads,
                classifier, policy, staleCheck, dedupeRetention, httpHost, httpPort, httpAdvertised, httpToken, kafkaOverrides, firewall,
                httpAllowedHosts, groupInstanceId, standbyReplicas, other);
    }

    public static ProcessorConfig defaults(final Topics topics) {
        return defaults(topics, Path.of("milterwatch-data/streams"));
    }
}
