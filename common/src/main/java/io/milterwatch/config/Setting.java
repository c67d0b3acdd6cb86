package io.milterwatch.config;

import java.util.Locale;

/**
 * One documented setting of ours: its property name (in a {@code --config} file), the environment
 * variable that overrides it, its default (null: required or absent) and what it means.
 */
public record Setting(String name, String defaultValue, String doc) {

    public static final String ENV_PREFIX = "MILTERWATCH_";

    /** {@code worker.zone} is read from {@code MILTERWATCH_WORKER_ZONE}. */
    public String env() {
        return envFor(name);
    }

    public static String envFor(final String property) {
        return ENV_PREFIX + property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
