package io.milterwatch.processor.firewall;

/**
 * One input line while it is being parsed: the original text, the message body left after the
 * envelopes (JSON, syslog header), and what the envelopes said. Mutable and reused per parser.
 */
final class Line {

    String original;
    String body;
    /** Time from the syslog header, else from the JSON envelope; {@link Times#MISSING} when neither has one. */
    long headerTimeMs;
    String host;
    String tag;
    /** RFC 5424 structured data, raw, or null. */
    String structuredData;
    /** True when a syslog or JSON envelope was recognised: the line is from a log stream, just maybe not a firewall's. */
    boolean enveloped;
    LineContext context;

    void reset(final String text, final LineContext ctx) {
        original = text;
        body = text;
        headerTimeMs = Times.MISSING;
        host = null;
        tag = null;
        structuredData = null;
        enveloped = false;
        context = ctx;
    }
}
