package io.milterwatch.processor.firewall;

import java.time.ZoneId;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Shippers' JSON: the line in {@code message} (Filebeat, Vector, Logstash), {@code MESSAGE}
 * (journald) or {@code log} (Docker, Fluent Bit); host from {@code host.name}, {@code host.hostname},
 * {@code host}, {@code hostname} or {@code _HOSTNAME}; time from {@code @timestamp}, {@code timestamp}
 * or {@code __REALTIME_TIMESTAMP} (µs).
 */
final class JsonEnvelope {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Times.Parsed parsed = new Times.Parsed();

    /** The object last read, for documents that are records themselves (Azure flow logs, PAN-OS JSON) rather than envelopes. */
    JsonNode document;

    /** Replaces {@code line.body} with the message; returns null, or the reason the envelope is unusable. */
    String open(final Line line, final ZoneId zone) {
        document = null;
        final JsonNode root;
        try {
            root = MAPPER.readTree(line.body);
        } catch (final JsonProcessingException e) {
            return "starts with '{' but is not JSON: " + e.getOriginalMessage();
        }
        if (root == null || !root.isObject()) {
            return "JSON envelope is not an object";
        }
        document = root;
        final JsonNode message = first(root, "message", "MESSAGE", "log");
        if (message == null || !message.isTextual()) {
            return "JSON envelope without a text 'message' (or MESSAGE, log) field";
        }
        line.enveloped = true;
        line.body = message.asText();
        final JsonNode host = root.get("host");
        String hostName = null;
        if (host != null && host.isObject()) {
            hostName = text(first(host, "name", "hostname"));
        } else if (host != null && host.isTextual()) {
            hostName = host.asText();
        }
        if (hostName == null) {
            hostName = text(first(root, "hostname", "_HOSTNAME", "source_host"));
        }
        line.host = hostName;
        final JsonNode time = first(root, "@timestamp", "timestamp", "time");
        if (time != null && time.isTextual() && Times.rfc3339(time.asText(), 0, zone, parsed)) {
            line.headerTimeMs = parsed.epochMs;
        } else if (time != null && time.isNumber()) {
            final long v = time.asLong();
            line.headerTimeMs = v < 100_000_000_000L ? v * 1000 : v;
        } else {
            final JsonNode realtime = root.get("__REALTIME_TIMESTAMP");
            if (realtime != null) {
                try {
                    line.headerTimeMs = Long.parseLong(realtime.asText()) / 1000;
                } catch (final NumberFormatException e) {
                    return "__REALTIME_TIMESTAMP " + Events.quote(realtime.asText()) + " is not microseconds";
                }
            }
        }
        return null;
    }

    /** The JSON object in s, or null when s is not one. */
    static JsonNode read(final String s) {
        try {
            final JsonNode node = MAPPER.readTree(s);
            return node != null && node.isObject() ? node : null;
        } catch (final JsonProcessingException e) {
            return null;
        }
    }

    private static JsonNode first(final JsonNode node, final String... names) {
        for (final String name : names) {
            final JsonNode v = node.get(name);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    private static String text(final JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }
}
