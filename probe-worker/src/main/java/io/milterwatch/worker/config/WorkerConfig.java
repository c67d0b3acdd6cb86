package io.milterwatch.worker.config;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.ConfigException;
import io.milterwatch.config.GroupInstanceId;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Zone;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.probe.TransportKind;
import io.milterwatch.worker.probe.ProbeTimeouts;
import io.milterwatch.worker.scope.Scope;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** A probe worker's configuration, validated once at start-up. */
public record WorkerConfig(
        String bootstrapServers,
        Topics topics,
        String vantage,
        Zone zone,
        EngineConfig engine,
        int maxPollRecords,
        Map<String, Object> kafkaOverrides,
        String httpHost,
        int httpPort,
        java.util.List<String> httpAllowedHosts,
        String groupInstanceId,
        java.time.Duration logSummary) {

    /** {@link #httpPort()} when {@code worker.http.port=none}: no metrics or health endpoint. */
    public static final int HTTP_DISABLED = -1;

    private static final Pattern VANTAGE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public static WorkerConfig from(final Settings s) {
        final String vantage = s.string(WorkerSettings.VANTAGE.name());
        if (!VANTAGE_NAME.matcher(vantage).matches()) {
            throw new ConfigException(WorkerSettings.VANTAGE.name(), "'" + vantage
                    + "' must be 1..64 letters, digits, '.', '_' or '-' (it names a consumer group)");
        }
        final int httpPort = "none".equalsIgnoreCase(s.string(WorkerSettings.HTTP_PORT.name())) ? HTTP_DISABLED
                : s.intIn(WorkerSettings.HTTP_PORT.name(), 0, 65535);
        final String instanceId = GroupInstanceId.resolve(WorkerSettings.GROUP_INSTANCE_ID.name(),
                s.string(WorkerSettings.GROUP_INSTANCE_ID.name()), vantage, httpPort > 0 ? Integer.toString(httpPort) : null);
        return new WorkerConfig(
                s.string(CommonSettings.BOOTSTRAP_SERVERS.name()),
                Topics.withPrefix(s.string(CommonSettings.TOPIC_PREFIX.name())),
                vantage,
                s.enumValue(WorkerSettings.ZONE.name(), Zone.class),
                engine(s),
                s.intIn(WorkerSettings.MAX_POLL_RECORDS.name(), 1, 10_000),
                consumerOverrides(s.kafkaOverrides(), instanceId),
                s.string(WorkerSettings.HTTP_HOST.name()),
                httpPort,
                names(s.stringOrNull(WorkerSettings.HTTP_ALLOWED_HOSTS.name())),
                instanceId,
                java.time.Duration.ofMillis(s.longIn(WorkerSettings.LOG_SUMMARY_MS.name(), 0, 86_400_000)));
    }

    /**
     * The Kafka overrides with the worker's {@code group.instance.id} (static membership) added, unless the operator
     * set one through {@code KAFKA_GROUP_INSTANCE_ID}: the probe consumer is built from these overrides. Producers
     * built from them must drop the key ({@link #producerOverrides()}).
     */
    static Map<String, Object> consumerOverrides(final Map<String, Object> overrides, final String instanceId) {
        if (instanceId == null || overrides.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
            return overrides;
        }
        final Map<String, Object> with = new java.util.HashMap<>(overrides);
        with.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        return Map.copyOf(with);
    }

    /** The Kafka overrides for a producer: without the consumer's group membership. */
    public Map<String, Object> producerOverrides() {
        final Map<String, Object> props = new java.util.HashMap<>(kafkaOverrides);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return props;
    }

    /** A comma-separated list of names, blanks dropped. */
    public static java.util.List<String> names(final String list) {
        return java.util.Arrays.stream(list == null ? new String[0] : list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    /** Whether the worker serves /metrics and /health (not with {@code worker.http.port=none}). */
    public boolean httpEnabled() {
        return httpPort != HTTP_DISABLED;
    }

    /** The probe engine's part of the settings: also what {@code milterwatch probe} runs with. */
    public static EngineConfig engine(final Settings s) {
        return new EngineConfig(
                new ProbeTimeouts(s.intIn(WorkerSettings.CONNECT_TIMEOUT.name(), 1, 600_000),
                        s.intIn(WorkerSettings.REPLY_TIMEOUT.name(), 1, 600_000)),
                s.intIn(WorkerSettings.CONCURRENCY.name(), 1, 100_000),
                s.intIn(WorkerSettings.HOST_CONCURRENCY.name(), 1, 100_000),
                s.intIn(WorkerSettings.HOST_RATE.name(), 1, 1_000_000),
                s.intIn(WorkerSettings.REPLY_MAX_BYTES.name(), 64, 65_540),
                "none".equalsIgnoreCase(s.string(WorkerSettings.AXIMILTER_PORTS.name())) ? Set.of()
                        : new HashSet<>(s.ports(WorkerSettings.AXIMILTER_PORTS.name())),
                s.ports(WorkerSettings.DEFAULT_PORTS.name()),
                s.intIn(WorkerSettings.CIDR_MAX_ADDRESSES.name(), 1, 1 << 20),
                scope(s),
                sourceAddress(s),
                reactors(s),
                s.enumValue(WorkerSettings.TRANSPORT.name(), TransportKind.class));
    }

    /** {@code auto}: one event-loop thread per available processor, at most 4. */
    private static int reactors(final Settings s) {
        final String text = s.string(WorkerSettings.REACTORS.name());
        return "auto".equalsIgnoreCase(text.strip()) ? reactors(text) : s.intIn(WorkerSettings.REACTORS.name(), 1, 64);
    }

    /** {@code auto} or a count of event-loop threads; auto is one per available processor, at most 4. */
    public static int reactors(final String text) {
        if ("auto".equalsIgnoreCase(text.strip())) {
            return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        }
        final int n = Integer.parseInt(text.strip());
        if (n < 1 || n > 64) {
            throw new ConfigException(WorkerSettings.REACTORS.name(), "'" + text + "' is outside 1..64");
        }
        return n;
    }

    private static InetAddress sourceAddress(final Settings s) {
        final String text = s.stringOrNull(WorkerSettings.SOURCE_ADDRESS.name());
        if (text == null) {
            return null;
        }
        // An address literal only: a name here would mean a DNS lookup at start-up and an ambiguous source.
        if (!text.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new ConfigException(WorkerSettings.SOURCE_ADDRESS.name(), "'" + text + "' is not an IP address literal");
        }
        try {
            return InetAddress.getByName(text);
        } catch (final java.net.UnknownHostException e) {
            throw new ConfigException(WorkerSettings.SOURCE_ADDRESS.name(), "'" + text + "' is not an IP address literal");
        }
    }

    private static Scope scope(final Settings s) {
        try {
            return Scope.parse(s.string(WorkerSettings.SCOPE_ALLOW.name()), s.string(WorkerSettings.SCOPE_UNSAFE_ALLOW.name()));
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(WorkerSettings.SCOPE_ALLOW.name() + "/" + WorkerSettings.SCOPE_UNSAFE_ALLOW.name(), e.getMessage());
        }
    }

    /** Consumer group of this vantage: every vantage sees every request. */
    public String groupId() {
        return "milterwatch-probe-" + vantage;
    }
}
