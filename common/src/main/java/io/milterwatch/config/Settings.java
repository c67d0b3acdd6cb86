package io.milterwatch.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolved configuration, read once at start-up. Precedence, lowest first: code defaults, the
 * properties file given with {@code --config}, the environment ({@code MILTERWATCH_*} for our
 * settings, {@code KAFKA_*} for Kafka client properties), then command-line flags.
 *
 * <p>In a properties file, our settings use their names ({@code worker.zone=INTERNAL}) and Kafka
 * client properties carry the {@code kafka.} prefix ({@code kafka.security.protocol=SSL}). In the
 * environment, {@code KAFKA_SECURITY_PROTOCOL=SSL} sets {@code security.protocol}. A misspelt
 * file key fails fast, naming the key; so does a {@code MILTERWATCH_*} variable within
 * {@link #MISSPELLING_DISTANCE} edits of a known one (suggesting it), while one farther from every
 * known name (a newer version's, say) is ignored with a warning. Values are immutable after load.
 */
public final class Settings {

    public static final String KAFKA_PREFIX = "kafka.";
    public static final String KAFKA_ENV_PREFIX = "KAFKA_";
    /**
     * JVM options for the launchers ({@code ./milterwatch} and the container image's entrypoint),
     * which put them on the java command line; the application itself leaves this variable alone.
     */
    public static final String JAVA_OPTS_ENV = "MILTERWATCH_JAVA_OPTS";
    /**
     * An unknown {@code MILTERWATCH_*} variable this near a known name is taken for a typo and refused;
     * farther off it is taken for another version's setting and ignored with a warning. (Ours: a new
     * setting's variable must be more than this far from every existing one.)
     */
    public static final int MISSPELLING_DISTANCE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

    private final Map<String, String> values;
    private final Map<String, Object> kafka;
    private final Map<String, String> origins;
    private final List<String> warnings;

    private Settings(final Map<String, String> values, final Map<String, Object> kafka, final Map<String, String> origins,
            final List<String> warnings) {
        this.values = Collections.unmodifiableMap(values);
        this.kafka = Collections.unmodifiableMap(kafka);
        this.origins = Collections.unmodifiableMap(origins);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * @param spec             every setting the application reads
     * @param configFile       optional properties file
     * @param env              the environment (System.getenv() in production)
     * @param flags            values given on the command line, by setting name
     * @param kafkaConfigNames the Kafka client property names the application's clients accept;
     *                         {@code KAFKA_*} variables that map to none of them are not ours
     *                         (KAFKA_HEAP_OPTS, say) and are left alone
     */
    public static Settings load(final Collection<Setting> spec, final Path configFile, final Map<String, String> env,
            final Map<String, String> flags, final Set<String> kafkaConfigNames) {
        final Map<String, Setting> byName = new LinkedHashMap<>();
        spec.forEach(s -> byName.put(s.name(), s));
        final Map<String, String> values = new TreeMap<>();
        final Map<String, String> origins = new TreeMap<>();
        final Map<String, Object> kafka = new TreeMap<>();
        for (final Setting s : spec) {
            if (s.defaultValue() != null) {
                values.put(s.name(), s.defaultValue());
                origins.put(s.name(), "default");
            }
        }
        if (configFile != null) {
            final Properties file = readProperties(configFile);
            for (final String key : file.stringPropertyNames()) {
                final String value = file.getProperty(key).trim();
                if (key.startsWith(KAFKA_PREFIX)) {
                    kafka.put(key.substring(KAFKA_PREFIX.length()), value);
                } else if (byName.containsKey(key)) {
                    values.put(key, value);
                    origins.put(key, configFile.toString());
                } else {
                    throw new ConfigException(key, "unknown setting in " + configFile + " (known: " + String.join(", ", byName.keySet())
                            + "; Kafka client properties take the prefix 'kafka.')");
                }
            }
        }
        final Map<String, Setting> byEnv = new LinkedHashMap<>();
        spec.forEach(s -> byEnv.put(s.env(), s));
        final List<String> warnings = new ArrayList<>();
        for (final Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            final String var = e.getKey();
            if (var.equals(JAVA_OPTS_ENV)) {
                continue; // the launcher's, already applied to this JVM
            }
            if (var.startsWith(Setting.ENV_PREFIX)) {
                final Setting s = byEnv.get(var);
                if (s == null) {
                    final String nearest = nearest(var, byEnv.keySet());
                    if (nearest != null) {
                        throw new ConfigException(var, "unknown environment variable; did you mean " + nearest + "? (known: "
                                + String.join(", ", byEnv.keySet()) + ")");
                    }
                    // Far from every name we read: most likely a setting of another version (a newer
                    // one, during a rolling upgrade); refusing it would turn a deployment into an outage.
                    final String warning = var + ": unknown environment variable, ignored (not a setting of this version, and no "
                            + "known name is within " + MISSPELLING_DISTANCE + " edits of it)";
                    LOG.warn(warning);
                    warnings.add(warning);
                    continue;
                }
                values.put(s.name(), e.getValue().trim());
                origins.put(s.name(), "environment " + var);
            } else if (var.startsWith(KAFKA_ENV_PREFIX)) {
                final String property = kafkaPropertyFor(var);
                if (kafkaConfigNames.contains(property)) {
                    kafka.put(property, e.getValue());
                }
            }
        }
        for (final Map.Entry<String, String> e : flags.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!byName.containsKey(e.getKey())) {
                throw new ConfigException(e.getKey(), "unknown setting");
            }
            values.put(e.getKey(), e.getValue().trim());
            origins.put(e.getKey(), "command line");
        }
        return new Settings(values, kafka, origins, warnings);
    }

    /**
     * The known name within {@link #MISSPELLING_DISTANCE} edits (insert, delete, substitute, or swap
     * two neighbours) of {@code var}, the nearest first; null when none is that near.
     */
    static String nearest(final String var, final Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        final List<String> candidates = new ArrayList<>(known);
        candidates.add(JAVA_OPTS_ENV);
        for (final String name : candidates) {
            final int d = editDistance(var, name);
            if (d <= MISSPELLING_DISTANCE && d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
    static int editDistance(final String a, final String b) {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** What loading ignored with a warning (unknown variables of another version), in order; empty when nothing. */
    public List<String> warnings() {
        return warnings;
    }

    /** {@code KAFKA_SASL_JAAS_CONFIG} names {@code sasl.jaas.config}. */
    public static String kafkaPropertyFor(final String envVar) {
        return envVar.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static Properties readProperties(final Path file) {
        final Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (final IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        return p;
    }

    public String string(final String key) {
        final String v = values.get(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(key, "is required but not set (env " + Setting.envFor(key) + ")");
        }
        return v;
    }

    public String stringOrNull(final String key) {
        final String v = values.get(key);
        return v == null || v.isBlank() ? null : v;
    }

    public int intIn(final String key, final int min, final int max) {
        final String v = string(key);
        try {
            final int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(key, "value " + n + " is outside " + min + ".." + max + " (from " + origins.get(key) + ")");
            }
            return n;
        } catch (final NumberFormatException e) {
            throw new ConfigException(key, "'" + v + "' is not an integer (from " + origins.get(key) + ")");
        }
    }

    public long longIn(final String key, final long min, final long max) {
        final String v = string(key);
        try {
            final long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new ConfigException(key, "value " + n + " is outside " + min + ".." + max + " (from " + origins.get(key) + ")");
            }
            return n;
        } catch (final NumberFormatException e) {
            throw new ConfigException(key, "'" + v + "' is not an integer (from " + origins.get(key) + ")");
        }
    }

    public <E extends Enum<E>> E enumValue(final String key, final Class<E> type) {
        final String v = string(key);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(key, "'" + v + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants())
                    + " (from " + origins.get(key) + ")");
        }
    }

    public List<Integer> ports(final String key) {
        final List<Integer> ports = new ArrayList<>();
        for (final String part : string(key).split(",")) {
            final String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                final int port = Integer.parseInt(p);
                if (port < 1 || port > 65535) {
                    throw new ConfigException(key, "port " + port + " is outside 1..65535");
                }
                ports.add(port);
            } catch (final NumberFormatException e) {
                throw new ConfigException(key, "'" + p + "' is not a port number");
            }
        }
        if (ports.isEmpty()) {
            throw new ConfigException(key, "needs at least one port");
        }
        return List.copyOf(ports);
    }

    /** Kafka client properties from the file and the environment (bootstrap servers are ours, not in here). */
    public Map<String, Object> kafkaOverrides() {
        return kafka;
    }

    public String origin(final String key) {
        return origins.get(key);
    }
}
