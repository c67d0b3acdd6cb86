package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import io.milterwatch.testing.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The firewall stage on a real broker, under exactly-once: events keyed by destination, invalid lines in the DLQ. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FirewallStageIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldPublishEventsAndDeadLetterInvalidLinesWhenRawLinesArrive(final KafkaCluster cluster) throws Exception {
        // given
        final Topics topics = Topics.withPrefix(KafkaCluster.uniquePrefix("firewallstage"));
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 1, (short) -1);
        }
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir)
                .withConnection(cluster.bootstrapServers(), topics.dlq() + "-app");
        final String block = "Nov 28 09:59:01 mail kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 "
                + "PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";
        final String truncated = block.substring(0, block.indexOf(" SRC="));
        try (StreamsApp app = new StreamsApp(config);
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.state() == KafkaStreams.State.RUNNING);

            // given: 192.0.2.25:8891 is watched (it has an exposure state), as seen by the global store
            try (KafkaProducer<String, byte[]> results = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()), new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                results.send(new ProducerRecord<>(topics.probeResults(), "192.0.2.25:8891", Records.PROBE_RESULT.encode(
                        io.milterwatch.schema.ProbeResult.newBuilder().setRequestId("r1").setTargetId("mail:8891").setHost("mail")
                                .setIp("192.0.2.25").setPort(8891).setVantage("inside").setZone(io.milterwatch.schema.Zone.INTERNAL)
                                .setOutcome(io.milterwatch.schema.Outcome.MILTER).setTotalMs(1).setProbedAtMs(System.currentTimeMillis())
                                .build()))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(
                    "watched-endpoints-store", org.apache.kafka.streams.state.QueryableStoreTypes.<String, byte[]>keyValueStore()))
                    .get("192.0.2.25:8891") != null);

            // when
            producer.send(new ProducerRecord<>(topics.firewallRaw(), "mail", block)).get();
            producer.send(new ProducerRecord<>(topics.firewallRaw(), "mail", "Nov 28 09:59:02 mail sshd[1]: Accepted key")).get();
            producer.send(new ProducerRecord<>(topics.firewallRaw(), "mail", truncated)).get();

            // then
            final ConsumerRecord<byte[], byte[]> event = TestTopics.readAtLeast(cluster, topics.firewallEvents(), 1).get(0);
            assertThat(new String(event.key(), StandardCharsets.UTF_8)).isEqualTo("192.0.2.25:8891");
            final FirewallEvent decoded = Records.FIREWALL_EVENT.decode(topics.firewallEvents(), event.value());
            assertThat(decoded.getAction()).isEqualTo(FirewallAction.DROP);
            assertThat(decoded.getSrcIp()).isEqualTo("203.0.113.7");
            final ConsumerRecord<byte[], byte[]> dead = TestTopics.readAtLeast(cluster, topics.dlq(), 1).get(0);
            assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo(truncated);
            assertThat(Dlq.header(dead.headers(), Dlq.REASON)).contains("SRC=");
            assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_OFFSET)).isEqualTo("2");
            assertThat(Dlq.header(dead.headers(), Dlq.STAGE)).isEqualTo(FirewallTopology.STAGE);
        }
    }

}
