package io.milterwatch.config;

/** A configuration value that cannot be used; the message starts with the key at fault. */
public final class ConfigException extends IllegalArgumentException {

    private final String key;

    public ConfigException(final String key, final String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
