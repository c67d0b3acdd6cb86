package io.milterwatch.processor.topology;

import java.nio.charset.StandardCharsets;

import io.milterwatch.processor.firewall.FirewallParser;
import io.milterwatch.processor.firewall.FirewallParserConfig;
import io.milterwatch.processor.firewall.LineContext;
import io.milterwatch.processor.firewall.ParseResult;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Parses each raw firewall record. The record timestamp is the ingest time (the reference for
 * syslog lines without a year, and the time of lines without any); the key, when present, names
 * the device and the stream (a W3C {@code #Fields:} header applies to its own stream only). One
 * parser per task: the parser is not thread-safe, and tasks never share it.
 */
final class FirewallParseProcessor implements FixedKeyProcessor<byte[], byte[], ParsedLine> {

    static final String SENSOR_SCOPE = "milterwatch-firewall";

    private final FirewallParserConfig config;
    private final ProcessorMetrics metrics;
    private FirewallParser parser;
    private FixedKeyProcessorContext<byte[], ParsedLine> context;
    private Sensor events;
    private Sensor skipped;
    private Sensor invalid;

    FirewallParseProcessor(final FirewallParserConfig config, final ProcessorMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(final FixedKeyProcessorContext<byte[], ParsedLine> context) {
        this.context = context;
        this.parser = new FirewallParser(config);
        final String task = context.taskId().toString();
        events = context.metrics().addRateTotalSensor(SENSOR_SCOPE, task, "event", Sensor.RecordingLevel.INFO);
        skipped = context.metrics().addRateTotalSensor(SENSOR_SCOPE, task, "skipped", Sensor.RecordingLevel.INFO);
        invalid = context.metrics().addRateTotalSensor(SENSOR_SCOPE, task, "invalid", Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(final FixedKeyRecord<byte[], byte[]> record) {
        final byte[] key = record.key();
        final String source = key == null || key.length == 0 ? null : new String(key, StandardCharsets.UTF_8);
        final String text = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
        // One record may hold several events (an Azure flow log document: one per flow tuple).
        for (final ParseResult result : parser.parseAll(text, new LineContext(record.timestamp(), source, source))) {
            switch (result.status()) {
                case EVENT -> events.record();
                case SKIPPED -> skipped.record();
                case INVALID -> invalid.record();
            }
            metrics.line(result.format(), result.status());
            context.forward(record.withValue(new ParsedLine(result, record.value())));
        }
    }

    @Override
    public void close() {
        // Sensors are per task: a revoked task must not leave its counters behind.
        context.metrics().removeSensor(events);
        context.metrics().removeSensor(skipped);
        context.metrics().removeSensor(invalid);
    }
}
