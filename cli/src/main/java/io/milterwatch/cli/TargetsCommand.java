package io.milterwatch.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

import io.milterwatch.config.Settings;
import io.milterwatch.kafka.Topics;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Registers, removes and lists targets on the compacted targets topic. */
@Command(name = "targets", description = "Add, remove or list watched targets.", mixinStandardHelpOptions = true,
        subcommands = {TargetsCommand.Add.class, TargetsCommand.Remove.class, TargetsCommand.ListTargets.class})
final class TargetsCommand {

    @Command(name = "add", description = "Watch HOST:PORT, [IPV6]:PORT or HOST (default milter ports).", mixinStandardHelpOptions = true)
    static final class Add implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Parameters(arity = "1..*", paramLabel = "TARGET", description = "HOST:PORT, [IPV6]:PORT, or HOST")
        List<String> targets;
        @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "300", description = "Re-probe interval (default ${DEFAULT-VALUE})")
        int interval;
        @Option(names = "--allow-zone", paramLabel = "ZONE", split = ",", defaultValue = "INTERNAL",
                description = "Zones a milter may answer from (default ${DEFAULT-VALUE})")
        List<Zone> allowedZones;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label carried into alerts")
        Map<String, String> labels = new LinkedHashMap<>();
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (interval < 5 || interval > 7 * 86_400) {
                throw new IllegalArgumentException("--interval " + interval + " is outside 5..604800 seconds");
            }
            final List<TargetSpec> specs = new ArrayList<>();
            for (final String t : targets) {
                specs.add(TargetSpec.parse(t));
            }
            final Settings s = connection.settings();
            final Topics topics = connection.topics(s);
            try (KafkaProducer<String, byte[]> producer = producer(s)) {
                final List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (final TargetSpec t : specs) {
                    final Target target = Target.newBuilder().setId(t.id()).setHost(t.host()).setPorts(t.ports()).setLabels(labels)
                            .setIntervalSeconds(interval).setAllowedZones(allowedZones).setCreatedAtMs(System.currentTimeMillis()).build();
                    sent.add(producer.send(new ProducerRecord<>(topics.targets(), t.id(), Records.TARGET.encode(target))));
                }
                for (int i = 0; i < specs.size(); i++) {
                    sent.get(i).get();
                    spec.commandLine().getOut().println("added " + specs.get(i).id() + " (ports " + (specs.get(i).ports().isEmpty()
                            ? "default" : specs.get(i).ports()) + ", every " + interval + " s, allowed from "
                            + allowedZones.stream().map(z -> z.name().toLowerCase(Locale.ROOT)).toList() + ")");
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Stop watching targets (writes tombstones).", mixinStandardHelpOptions = true)
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Parameters(arity = "1..*", paramLabel = "TARGET", description = "Target ids as added")
        List<String> targets;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            final Settings s = connection.settings();
            final Topics topics = connection.topics(s);
            try (KafkaProducer<String, byte[]> producer = producer(s)) {
                for (final String t : targets) {
                    final String id = TargetSpec.parse(t).id();
                    producer.send(new ProducerRecord<>(topics.targets(), id, null)).get();
                    spec.commandLine().getOut().println("removed " + id);
                }
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the registered targets.", mixinStandardHelpOptions = true)
    static final class ListTargets implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--json", description = "One JSON object per line")
        boolean json;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final Settings s = connection.settings();
            final Map<String, Target> latest;
            try (TopicReader reader = new TopicReader(s.string("bootstrap.servers"), s.kafkaOverrides())) {
                latest = reader.latest(connection.topics(s).targets(), Records.TARGET);
            }
            final var out = spec.commandLine().getOut();
            for (final Target t : latest.values()) {
                out.println(json ? RecordJson.toJson(t) : String.format(Locale.ROOT, "%-40s ports=%s every %ds allowed=%s", t.getId(),
                        t.getPorts().isEmpty() ? "default" : t.getPorts(), t.getIntervalSeconds(), t.getAllowedZones()));
            }
            if (!json) {
                out.println(latest.size() + " target(s)");
            }
            return 0;
        }
    }

    static KafkaProducer<String, byte[]> producer(final Settings s) {
        final Map<String, Object> props = new HashMap<>(s.kafkaOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.string("bootstrap.servers"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
