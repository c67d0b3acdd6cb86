package io.milterwatch.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code group.instance.id} of a consumer group member (Kafka's static membership, KIP-345):
 * a member that restarts with the same id takes its partitions back at once, instead of after the
 * killed member's session times out (45 s by default) and a rebalance. Two live members of one
 * group must never share it (the newer fences the older), so the automatic id is built only from
 * facts that two instances on one host cannot share: the host name plus the group, plus what makes
 * the instance unique on its host (its state directory, its HTTP port).
 *
 * <p>Setting values: {@code auto} (that derived id), {@code none} (dynamic membership, as before),
 * or an explicit id (letters, digits, '.', '_', '-'; at most 200).
 */
public final class GroupInstanceId {

    public static final String AUTO = "auto";
    public static final String NONE = "none";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private GroupInstanceId() {
    }

    /**
     * The id to use, or null for dynamic membership.
     *
     * @param key the setting's name, for errors
     * @param value the setting's value: auto, none or an id
     * @param parts what makes an automatic id unique besides the host name; a null part means there is no stable
     *              unique id (then {@code auto} means dynamic membership)
     */
    public static String resolve(final String key, final String value, final String... parts) {
        final String v = value == null ? AUTO : value.trim();
        if (NONE.equalsIgnoreCase(v)) {
            return null;
        }
        if (!AUTO.equalsIgnoreCase(v)) {
            if (!VALID.matcher(v).matches()) {
                throw new ConfigException(key, "'" + v + "' is not a group instance id: use 1..200 letters, digits, '.', '_' or '-', "
                        + "or auto, or none");
            }
            return v;
        }
        final StringBuilder id = new StringBuilder(sanitise(hostName()));
        for (final String part : parts) {
            if (part == null) {
                return null;
            }
            id.append('-').append(sanitise(part));
        }
        return id.length() <= 200 ? id.toString() : id.substring(0, 200);
    }

    /** A short stable digest of a text (say a state directory's absolute path), for an id. */
    public static String digest(final String text) {
        return String.format(Locale.ROOT, "%08x", text.hashCode());
    }

    static String hostName() {
        final String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (final UnknownHostException e) {
            return "localhost";
        }
    }

    private static String sanitise(final String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
