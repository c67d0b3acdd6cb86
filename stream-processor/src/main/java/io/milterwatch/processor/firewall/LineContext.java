package io.milterwatch.processor.firewall;

/**
 * Where and when a line was received, for what the line itself does not say.
 *
 * @param ingestTimeMs when the line was received (epoch ms UTC): the reference for syslog years and
 *                     the event time of lines that carry no time at all
 * @param source       which stream the line belongs to (file name, Kafka key...): the W3C
 *                     {@code #Fields:} header of one stream does not apply to another; may be null
 * @param deviceHint   the device to report when neither the line nor its envelope names one; may be null
 */
public record LineContext(long ingestTimeMs, String source, String deviceHint) {

    public static LineContext at(final long ingestTimeMs) {
        return new LineContext(ingestTimeMs, null, null);
    }
}
