package io.milterwatch.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.milterwatch.cli.ConnectionOptions;
import io.milterwatch.cli.EmbeddedKafka;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures the stream processor on firewall lines (a benchmark, not a test): lines per second
 * through the running application, beside a pass-through Kafka Streams application with the same
 * processing guarantee and a bare consumer reading the same topic; then the time from an allowed
 * firewall line for a remediated milter port reaching the raw topic to the REGRESSED alert being
 * readable, while background lines flow. Starts an embedded broker unless --bootstrap-servers.
 */
@Command(name = "bench-streams", description = "Benchmark the stream processor on firewall lines (prints figures).", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch bench-streams --bootstrap-servers localhost:9092"})
public final class BenchStreamsCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = "--lines", defaultValue = "1000000", description = "Firewall lines for the throughput runs (default ${DEFAULT-VALUE})")
    int lines;
    @Option(names = "--watched", defaultValue = "100", description = "Watched ip:ports; the other lines go to unwatched ports (default ${DEFAULT-VALUE})")
    int watched;
    @Option(names = "--watched-share", defaultValue = "0.01", description = "Share of lines for watched ip:ports (default ${DEFAULT-VALUE})")
    double watchedShare;
    @Option(names = "--latency-samples", defaultValue = "50", description = "Regressions to time (default ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--background-rate", defaultValue = "20000", description = "Background lines per second during the latency run (default ${DEFAULT-VALUE})")
    int backgroundRate;
    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the benchmark topics (default ${DEFAULT-VALUE})")
    int partitions;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final DateTimeFormatter SYSLOG = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final Settings base = connection.settings();
        final boolean embedded = "default".equals(base.origin("bootstrap.servers"));
        final Path dir = Files.createTempDirectory("milterwatch-bench");
        EmbeddedKafka broker = null;
        try {
            String bootstrap = base.string("bootstrap.servers");
            if (embedded) {
                broker = EmbeddedKafka.start(dir, "localhost", EmbeddedKafka.freePort(), EmbeddedKafka.freePort());
                bootstrap = broker.bootstrapServers();
            }
            out.printf(Locale.ROOT, "broker: %s%s; %d lines, %d watched ip:ports (%.1f%% of lines), %d partitions%n", bootstrap,
                    embedded ? " (embedded)" : "", lines, watched, watchedShare * 100, partitions);
            out.flush();
            final String prefix = "bench-" + Long.toHexString(System.nanoTime());
            final Map<String, String> flags = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "topic.prefix", prefix,
                    "topic.partitions", Integer.toString(partitions), "processor.application.id", prefix + "-processor",
                    "processor.state.dir", dir.resolve("streams").toString(), "processor.http.port", "0",
                    "processor.internal.networks", "10.0.0.0/8"));
            final Settings settings = connection.settings(flags);
            final Topics topics = Topics.withPrefix(prefix);
            TopicProvisioner.ensureTopics(settings, topics);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(prefix + ".passthrough-out", partitions, (short) -1)))
                        .all().get(30, TimeUnit.SECONDS);
                // Watched endpoints get a state first, so that their lines are correlated, not dropped.
                final ProcessorConfig processorConfig = ProcessorConfig.from(settings);
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    for (int i = 0; i < watched; i++) {
                        final String ip = watchedIp(i);
                        producer.send(new ProducerRecord<>(topics.probeResults(), ip + ":8891", Records.PROBE_RESULT.encode(
                                result(ip, "inside", Zone.INTERNAL, Outcome.MILTER))));
                    }
                    final long t0 = System.nanoTime();
                    fill(producer, topics.firewallRaw(), lines);
                    out.printf(Locale.ROOT, "produced %d lines in %.1f s%n", lines, (System.nanoTime() - t0) / 1e9);
                    out.flush();
                }
                final double bare = bareConsumer(bootstrap, topics.firewallRaw());
                out.printf(Locale.ROOT, "bare consumer:                     %,10.0f lines/s%n", bare);
                out.flush();
                final double pass = passThrough(bootstrap, topics, dir, admin);
                out.printf(Locale.ROOT, "pass-through streams (EOS v2):     %,10.0f lines/s%n", pass);
                out.flush();
                final double app;
                try (StreamsApp processor = new StreamsApp(processorConfig)) {
                    app = drain(admin, processorConfig.applicationId(), topics.firewallRaw(), processor::start, processor::state);
                    out.printf(Locale.ROOT, "milterwatch processor (EOS v2):    %,10.0f lines/s  = %.2f of pass-through%n", app, app / pass);
                    out.flush();
                    latency(out, bootstrap, topics, processor);
                }
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return 0;
    }

    private void latency(final PrintWriter out, final String bootstrap, final Topics topics, final StreamsApp processor) throws Exception {
        final String ip = watchedIp(0);
        final String key = ip + ":8891";
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread background = new Thread(() -> background(bootstrap, topics.firewallRaw(), stop), "background-lines");
        final List<Long> micros = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
             KafkaConsumer<String, byte[]> alerts = alertConsumer(bootstrap, topics)) {
            background.start();
            producer.send(new ProducerRecord<>(topics.probeResults(), key, Records.PROBE_RESULT.encode(result(ip, "outside", Zone.EXTERNAL, Outcome.MILTER))));
            awaitAlert(alerts, key, Exposure.EXPOSED);
            long lastLineMs = 0;
            for (int i = 0; i < samples; i++) {
                // Real clocks, as in production: the fix is probed after the last regression's line (only a refusal
                // probed since the REGRESSED state began can end it), and a syslog line has whole seconds, so the next
                // line is stamped with the first whole second after the fix. Waiting is not part of the measure.
                while (System.currentTimeMillis() <= lastLineMs) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                final long fixedAt = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(topics.probeResults(), key, Records.PROBE_RESULT.encode(
                        result(ip, "outside", Zone.EXTERNAL, Outcome.FILTERED, fixedAt))));
                awaitAlert(alerts, key, Exposure.REMEDIATED);
                lastLineMs = (fixedAt / 1000 + 1) * 1000;
                final byte[] line = line(lastLineMs, "203.0.113.77", ip, 8891, "ALLOW").getBytes(StandardCharsets.UTF_8);
                final long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(topics.firewallRaw(), null, line)).get();
                awaitAlert(alerts, key, Exposure.REGRESSED);
                micros.add((System.nanoTime() - sent) / 1000);
            }
        } finally {
            stop.set(true);
            background.join(10_000);
        }
        Collections.sort(micros);
        out.printf(Locale.ROOT, "regression alert latency with %,d background lines/s, %d samples: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                backgroundRate, samples, micros.get(micros.size() / 2) / 1000.0, micros.get((int) Math.ceil(micros.size() * 0.99) - 1) / 1000.0,
                micros.get(micros.size() - 1) / 1000.0);
        out.flush();
    }

    private void background(final String bootstrap, final String topic, final AtomicBoolean stop) {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            long n = 0;
            final long start = System.nanoTime();
            while (!stop.get()) {
                final long due = (long) ((System.nanoTime() - start) / 1e9 * backgroundRate);
                for (; n < due; n++) {
                    producer.send(new ProducerRecord<>(topic, null, line(System.currentTimeMillis(), "198.51.100." + (n % 200 + 1),
                            "10.9." + (n % 50) + "." + (n % 200 + 1), 443 + (int) (n % 7), "BLOCK").getBytes(StandardCharsets.UTF_8)));
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitAlert(final KafkaConsumer<String, byte[]> alerts, final String key, final Exposure to) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final List<String> others = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (final ConsumerRecord<String, byte[]> r : alerts.poll(Duration.ofMillis(5))) {
                final Alert a = Records.ALERT.decode(r.topic(), r.value());
                if (a.getKey().equals(key) && a.getToState() == to) {
                    return;
                }
                others.add(a.getAlertId() + " " + a.getToState());
            }
        }
        throw new IllegalStateException("no " + to + " alert for " + key + " within 60 s (other alerts meanwhile: " + others + ")");
    }

    private void fill(final KafkaProducer<String, byte[]> producer, final String topic, final int n) {
        final long now = System.currentTimeMillis();
        final int watchedEvery = watchedShare <= 0 ? Integer.MAX_VALUE : (int) Math.round(1 / watchedShare);
        for (int i = 0; i < n; i++) {
            final String line = i % watchedEvery == 0
                    ? line(now, "203.0.113." + (i % 250 + 1), watchedIp(i / watchedEvery % watched), 8891, "BLOCK")
                    : line(now, "198.51.100." + (i % 250 + 1), "10.9." + (i % 50) + "." + (i % 200 + 1), 443 + i % 7, "BLOCK");
            producer.send(new ProducerRecord<>(topic, null, line.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    /** A netfilter line as ufw logs it through the kernel log. */
    static String line(final long at, final String src, final String dst, final int dport, final String verdict) {
        return ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(at), ZoneOffset.UTC).format(SYSLOG) + " fw1 kernel: [12345.678901] [UFW "
                + verdict + "] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=" + src + " DST=" + dst
                + " LEN=60 TOS=0x00 PREC=0x00 TTL=57 ID=54321 DF PROTO=TCP SPT=" + (40000 + (src.hashCode() & 0x3FFF)) + " DPT=" + dport
                + " WINDOW=64240 RES=0x00 SYN URGP=0";
    }

    private static String watchedIp(final int i) {
        return "192.0.2." + (i % 250 + 1);
    }

    private static ProbeResult result(final String ip, final String vantage, final Zone zone, final Outcome outcome) {
        return result(ip, vantage, zone, outcome, System.currentTimeMillis());
    }

    private static ProbeResult result(final String ip, final String vantage, final Zone zone, final Outcome outcome, final long probedAtMs) {
        return ProbeResult.newBuilder().setRequestId("bench-" + System.nanoTime()).setTargetId(ip + ":8891").setHost(ip).setIp(ip).setPort(8891)
                .setVantage(vantage).setZone(zone).setOutcome(outcome)
                .setMilter(outcome == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                .setTotalMs(1).setProbedAtMs(probedAtMs).build();
    }

    private static double bareConsumer(final String bootstrap, final String topic) {
        final Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            final List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            final Map<TopicPartition, Long> end = c.endOffsets(parts);
            final long total = end.values().stream().mapToLong(Long::longValue).sum();
            long read = 0;
            final long start = System.nanoTime();
            while (read < total) {
                read += c.poll(Duration.ofMillis(100)).count();
            }
            return read / ((System.nanoTime() - start) / 1e9);
        }
    }

    private double passThrough(final String bootstrap, final Topics topics, final Path dir, final Admin admin) throws Exception {
        final StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.firewallRaw(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("raw"))
                .mapValues(v -> v, Named.as("identity"))
                .to(topics.firewallRaw().replace(".firewall.raw", ".passthrough-out"), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("out"));
        final Properties p = new Properties();
        final String app = topics.firewallRaw() + "-passthrough";
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("passthrough").toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p)) {
            return drain(admin, app, topics.firewallRaw(), streams::start, streams::state);
        }
    }

    /**
     * Starts an application and measures lines/s in its steady state: from its first committed
     * offsets (start-up, rebalance and restoration excluded, alike for every application measured)
     * until its committed offsets reach the end of the topic.
     */
    private static double drain(final Admin admin, final String group, final String topic, final StartAction start,
            final java.util.function.Supplier<KafkaStreams.State> state) throws Exception {
        final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        final Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        final long total = end.values().stream().mapToLong(Long::longValue).sum();
        start.run();
        long t0 = 0;
        long done0 = 0;
        while (true) {
            final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            final long now = System.nanoTime();
            long done = 0;
            for (final TopicPartition tp : end.keySet()) {
                final OffsetAndMetadata o = committed.get(tp);
                done += o == null ? 0 : o.offset();
            }
            if (t0 == 0 && done > 0) {
                t0 = now;
                done0 = done;
            }
            if (done >= total) {
                if (done0 >= total || now == t0) {
                    throw new IllegalStateException(group + " committed all " + total + " lines at once: use more --lines to measure a rate");
                }
                return (total - done0) / ((now - t0) / 1e9);
            }
            if (state.get() == KafkaStreams.State.ERROR || state.get() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException(group + " stopped (" + state.get() + ") before it consumed the topic");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @FunctionalInterface
    private interface StartAction {
        void run() throws Exception;
    }

    private static KafkaProducer<String, byte[]> producer(final String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> alertConsumer(final String bootstrap, final Topics topics) {
        final KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new org.apache.kafka.common.serialization.StringDeserializer(),
                new ByteArrayDeserializer());
        final List<TopicPartition> parts = new ArrayList<>();
        for (final String t : topics.alerts()) {
            c.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
        }
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        return c;
    }

}
