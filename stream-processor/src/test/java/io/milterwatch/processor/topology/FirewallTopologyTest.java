package io.milterwatch.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.milterwatch.kafka.Dlq;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.serde.Records;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirewallTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String UFW_BLOCK = "Nov 28 09:59:01 mail kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= "
            + "MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 "
            + "DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";
    private final Topics topics = Topics.defaults();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, FirewallEvent> events;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void setUp() {
        final ProcessorConfig config = ProcessorConfig.defaults(topics, stateDir);
        driver = new TopologyTestDriver(MilterwatchTopology.build(topics, config), StreamsApp.properties(config), T0);
        raw = driver.createInputTopic(topics.firewallRaw(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        events = driver.createOutputTopic(topics.firewallEvents(), Serdes.String().deserializer(), Records.FIREWALL_EVENT.deserializer());
        dlq = driver.createOutputTopic(topics.dlq(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** Marks endpoints as watched, as the exposure-state topic does once they have been probed. */
    private void watch(final String... keys) {
        final var states = driver.createInputTopic(topics.exposureState(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        for (final String key : keys) {
            states.pipeInput(key, new byte[] {1}, T0);
        }
    }

    private void pipe(final String key, final String line) {
        raw.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8), T0);
    }

    private double total(final String operation) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(operation + "-total") && e.getKey().group().contains(FirewallParseProcessor.SENSOR_SCOPE))
                .map(Map.Entry<MetricName, ? extends Metric>::getValue)
                .mapToDouble(m -> (Double) m.metricValue())
                .sum();
    }

    @Test
    void shouldPublishTheEventKeyedByDestinationWhenALineIsAConnectionEvent() {
        // given
        watch("192.0.2.25:8891");
        // when
        pipe(null, UFW_BLOCK);

        // then
        final KeyValue<String, FirewallEvent> out = events.readKeyValue();
        assertThat(out.key).isEqualTo("192.0.2.25:8891");
        assertThat(out.value.getAction()).isEqualTo(FirewallAction.DROP);
        assertThat(out.value.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(out.value.getDevice()).isEqualTo("mail");
        assertThat(out.value.getTimestampMs()).isEqualTo(Instant.parse("2026-11-28T09:59:01Z").toEpochMilli());
        assertThat(events.isEmpty()).isTrue();
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(total("event")).isEqualTo(1.0);
    }

    @Test
    void shouldKeyIpv6AndIcmpEventsWhenTheyHaveBracketsOrNoPort() {
        // given
        watch("[2001:db8::25]:8891", "192.0.2.25");
        // when
        pipe("fw-1", "[UFW BLOCK] IN=eth0 OUT= SRC=2001:0db8:0000:0000:0000:0000:0000:0007 DST=2001:0db8:0000:0000:0000:0000:0000:0025 "
                + "LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=0 PROTO=TCP SPT=51515 DPT=8891 WINDOW=64800 RES=0x00 SYN URGP=0");
        pipe("fw-1", "[UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.1 DST=192.0.2.25 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=8 "
                + "CODE=0 ID=7 SEQ=1");

        // then
        final var out = events.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.key).containsExactly("[2001:db8::25]:8891", "192.0.2.25");
        assertThat(out).extracting(kv -> kv.value.getDevice()).containsOnly("fw-1");
    }

    @Test
    void shouldDropEventsForUnwatchedEndpointsBeforeTheEventsTopicAndForgetRemovedOnes() {
        // given: one endpoint watched, then removed again by a tombstone
        watch("192.0.2.99:8891");
        // when
        pipe(null, UFW_BLOCK);
        // then: 192.0.2.25:8891 is not watched; the line was still parsed and counted
        assertThat(events.isEmpty()).isTrue();
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(total("event")).isEqualTo(1.0);
        // when: it is watched, then forgotten
        watch("192.0.2.25:8891");
        pipe(null, UFW_BLOCK);
        assertThat(events.readKeyValuesToList()).hasSize(1);
        driver.createInputTopic(topics.exposureState(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput("192.0.2.25:8891", (byte[]) null, T0);
        pipe(null, UFW_BLOCK);
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void shouldSendTheLineToTheDlqWithReasonAndOffsetWhenItIsInvalid() {
        // given
        pipe(null, UFW_BLOCK);
        final String truncated = UFW_BLOCK.substring(0, UFW_BLOCK.indexOf("DPT="));

        // when
        pipe("fw-1", truncated);

        // then
        final TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo(truncated);
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("fw-1");
        assertThat(Dlq.header(dead.headers(), Dlq.REASON)).contains("SPT=/DPT=");
        assertThat(Dlq.header(dead.headers(), Dlq.STAGE)).isEqualTo(FirewallTopology.STAGE);
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_TOPIC)).isEqualTo(topics.firewallRaw());
        assertThat(Dlq.header(dead.headers(), Dlq.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(total("invalid")).isEqualTo(1.0);
    }

    @Test
    void shouldCountButNotForwardTheLineWhenItIsSkipped() {
        // when
        pipe("pfsense", "Sep 28 10:38:41 pfSense dhcpd[123]: DHCPACK on 10.0.2.20 to 00:11:22:33:44:55");
        pipe("pfsense", "[UFW AUDIT] " + UFW_BLOCK.substring(UFW_BLOCK.indexOf("IN=")));

        // then
        assertThat(events.isEmpty()).isTrue();
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(total("skipped")).isEqualTo(2.0);
    }

    @Test
    void shouldKeepProcessingWhenValuesAreNullBinaryOrJson() {
        // given
        watch("5.6.7.8:25");
        // when
        raw.pipeInput(null, (byte[]) null, T0);
        raw.pipeInput(null, new byte[] {(byte) 0xff, 0, 1, 2}, T0);
        pipe(null, "{\"@timestamp\":\"2026-11-28T09:59:01Z\",\"host\":{\"name\":\"edge-1\"},\"message\":\"DROP IN=eth0 OUT= SRC=1.2.3.4 "
                + "DST=5.6.7.8 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=1 RES=0x00 SYN URGP=0\"}");

        // then
        assertThat(dlq.readRecordsToList()).hasSize(2);
        final KeyValue<String, FirewallEvent> out = events.readKeyValue();
        assertThat(out.key).isEqualTo("5.6.7.8:25");
        assertThat(out.value.getDevice()).isEqualTo("edge-1");
    }

    private static final String BUILT = "<166>Nov 28 09:59:01 asa-1 : %ASA-6-302013: Built inbound TCP connection 906569140 for "
            + "outside:203.0.113.7/51444 (203.0.113.7/51444) to inside:192.0.2.25/8891 (198.51.100.25/8891)";
    private static final String TEARDOWN = "<166>Nov 28 09:59:31 asa-1 : %ASA-6-302014: Teardown TCP connection 906569140 for "
            + "outside:203.0.113.7/51444 to inside:192.0.2.25/8891 duration 0:00:30 bytes 1234 TCP FINs";

    private double repeated() {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("repeated-total")
                        && e.getKey().group().contains(FirewallConnectionDeduplicator.SENSOR_SCOPE))
                .map(Map.Entry<MetricName, ? extends Metric>::getValue)
                .mapToDouble(m -> (Double) m.metricValue())
                .sum();
    }

    @Test
    void shouldCountAConnectionOnceWhenItsBuiltAndTeardownAreBothLogged() {
        // given
        watch("192.0.2.25:8891");
        // when
        pipe(null, BUILT);
        pipe(null, TEARDOWN);

        // then
        final KeyValue<String, FirewallEvent> out = events.readKeyValue();
        assertThat(out.key).isEqualTo("192.0.2.25:8891");
        assertThat(out.value.getRawAction()).isEqualTo("Built");
        assertThat(out.value.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(events.isEmpty()).isTrue();
        assertThat(repeated()).isEqualTo(1.0);
        assertThat(total("event")).isEqualTo(2.0);
    }

    @Test
    void shouldCountAConnectionWhenOnlyItsTeardownIsLogged() {
        // given
        watch("192.0.2.25:8891");
        // when
        pipe(null, TEARDOWN);

        // then
        final KeyValue<String, FirewallEvent> out = events.readKeyValue();
        assertThat(out.key).isEqualTo("192.0.2.25:8891");
        assertThat(out.value.getRawAction()).isEqualTo("Teardown");
        assertThat(out.value.getAction()).isEqualTo(FirewallAction.ALLOW);
        assertThat(out.value.getSrcIp()).isEqualTo("203.0.113.7");
        assertThat(out.value.getSrcPort()).isEqualTo(51444);
        assertThat(events.isEmpty()).isTrue();
        assertThat(repeated()).isEqualTo(0.0);
    }

    @Test
    void shouldCountBothConnectionsWhenTwoDevicesUseTheSameConnectionId() {
        // given
        watch("192.0.2.25:8891");
        // when
        pipe(null, BUILT);
        pipe(null, BUILT.replace("asa-1", "asa-2"));
        pipe(null, TEARDOWN.replace("asa-1", "asa-2"));

        // then
        assertThat(events.readValuesToList()).extracting(FirewallEvent::getDevice).containsExactly("asa-1", "asa-2");
        assertThat(repeated()).isEqualTo(1.0);
    }

    @Test
    void shouldCountTheConnectionAgainWhenItsIdComesBackAfterTheRetention() {
        // given
        watch("192.0.2.25:8891");
        pipe(null, BUILT);
        // when: the same id, logged again after the store has let it go (ids wrap, devices reboot)
        raw.pipeInput(null, TEARDOWN.getBytes(StandardCharsets.UTF_8), T0.plus(FirewallTopology.CONNECTION_RETENTION.multipliedBy(3)));

        // then
        assertThat(events.readValuesToList()).extracting(FirewallEvent::getRawAction).containsExactly("Built", "Teardown");
    }
}
