package io.milterwatch.processor.logic;

import io.milterwatch.schema.Target;

/** Business checks of a registered target; a non-null answer is the reason it goes to the DLQ. */
public final class TargetValidator {

    private static final int MAX_HOST = 253;

    private TargetValidator() {
    }

    public static String problem(final String key, final Target t) {
        if (key == null || key.isBlank()) {
            return "target has no key (the key is the target id)";
        }
        if (!key.equals(t.getId())) {
            return "key '" + key + "' differs from the target id '" + t.getId() + "'";
        }
        final String host = t.getHost();
        if (host == null || host.isBlank()) {
            return "target '" + key + "' has no host";
        }
        if (host.length() > MAX_HOST) {
            return "host of target '" + key + "' is longer than " + MAX_HOST + " characters";
        }
        for (int i = 0; i < host.length(); i++) {
            final char c = host.charAt(i);
            // '/' is allowed: a CIDR range, which the probe worker expands up to its size limit.
            if (c < 0x21 || c > 0x7E || c == '%') {
                return "host of target '" + key + "' contains a forbidden character (code " + (int) c + ")";
            }
        }
        for (final int port : t.getPorts()) {
            if (port < 1 || port > 65535) {
                return "port " + port + " of target '" + key + "' is outside 1..65535";
            }
        }
        for (final var r : t.getPortRanges()) {
            if (r.getFirst() < 1 || r.getLast() > 65535 || r.getFirst() > r.getLast()) {
                return "port range " + r.getFirst() + "-" + r.getLast() + " of target '" + key + "' is not within 1..65535 in ascending order";
            }
        }
        if (t.getIntervalSeconds() < 5 || t.getIntervalSeconds() > 7 * 86_400) {
            return "interval " + t.getIntervalSeconds() + " s of target '" + key + "' is outside 5 s..7 days";
        }
        if (t.getAllowedZones().isEmpty()) {
            return "target '" + key + "' allows no zone at all; give at least INTERNAL";
        }
        return null;
    }
}
