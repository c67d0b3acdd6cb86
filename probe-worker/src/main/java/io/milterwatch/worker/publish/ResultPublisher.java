package io.milterwatch.worker.publish;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.serde.Records;
import io.milterwatch.worker.config.WorkerConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes probe results keyed by {@code ip:port} (the target id when resolution failed) with an
 * idempotent producer ({@code acks=all}), and DLQ records with their original bytes.
 */
public final class ResultPublisher implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String resultsTopic;

    public ResultPublisher(final WorkerConfig config) {
        final Map<String, Object> props = new HashMap<>(config.producerOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "milterwatch-probe-" + config.vantage() + "-results");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.resultsTopic = config.topics().probeResults();
    }

    public Future<RecordMetadata> publish(final ProbeResult result) {
        return publish(result, null);
    }

    /** Sends a result; {@code acknowledged} is called (on the producer's thread) when the broker has it or refused it. */
    public Future<RecordMetadata> publish(final ProbeResult result, final Callback acknowledged) {
        final String key = result.getIp().isEmpty() ? result.getTargetId() : Endpoints.key(result.getIp(), result.getPort());
        return producer.send(new ProducerRecord<>(resultsTopic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Records.PROBE_RESULT.encode(result)), acknowledged);
    }

    public Future<RecordMetadata> deadLetter(final ProducerRecord<byte[], byte[]> record) {
        return deadLetter(record, null);
    }

    /** Sends a DLQ record; {@code acknowledged} as for {@link #publish(ProbeResult, Callback)}. */
    public Future<RecordMetadata> deadLetter(final ProducerRecord<byte[], byte[]> record, final Callback acknowledged) {
        return producer.send(record, acknowledged);
    }

    /** The producer, to bind its metrics to a meter registry. */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
