package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.KafkaNames;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.processor.config.ProcessorSettings;
import org.apache.kafka.streams.StreamsConfig;
import io.milterwatch.config.Setting;
import io.milterwatch.config.Settings;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.Zone;
import io.milterwatch.worker.config.WorkerConfig;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker is not available on every machine that builds this, so docker-compose.yml is checked
 * here, parsed as Compose parses it (anchors and merge keys resolved, {@code ${VAR:-default}}
 * interpolated with nothing set): every variable it gives our services is one they read, with a
 * value their own validation accepts; every variable it gives a Kafka node is a real broker or
 * controller setting; the KRaft quorum, listeners, replication and min.insync.replicas add up; the
 * two stream processors are one application with separate state; each probe worker sits on the
 * networks of its zone and no other; every command is a real command line.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..");
    private static final String KAFKA_IMAGE = "apache/kafka";
    private static final String OUR_IMAGE = "milterwatch:";
    /** The role images (Dockerfile --target worker|processor): the slim role jars, whose main is the role. */
    private static final Map<String, String> ROLE_IMAGES = Map.of("milterwatch-worker:", "worker", "milterwatch-processor:", "processor");
    /**
     * Variables the apache/kafka image (and deploy/kafka's, which reads them alike) takes itself
     * rather than passing on as server properties: the cluster id and JVM options.
     */
    private static final Set<String> KAFKA_IMAGE_VARIABLES = Set.of("CLUSTER_ID", "KAFKA_OPTS", "KAFKA_HEAP_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS");
    /** A value Kafka's file config provider reads from a file in the brokers' secrets. */
    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:/etc/kafka/secrets/[a-z.-]+:[a-z.]+}");
    private static final String CLIENT_SECRET = "/run/secrets/kafka-client";
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    private static String composeText;
    private static Map<String, Object> compose;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        composeText = Files.readString(ROOT.resolve("docker-compose.yml"));
        try (Reader r = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            compose = new Yaml().load(r);
        }
        services = (Map<String, Map<String, Object>>) compose.get("services");
    }

    // ---------------------------------------------------------------- our services

    @Test
    void shouldSetOnlyVariablesOurAppsReadWithValuesTheyAccept() {
        final Set<String> ourVars = ConnectionOptions.ALL_SETTINGS.stream().map(Setting::env).collect(Collectors.toCollection(HashSet::new));
        ourVars.add(Settings.JAVA_OPTS_ENV); // the image's entrypoint puts it on the java command line
        assertThat(ours()).containsKeys("topics", "processor-1", "processor-2", "worker-internal", "worker-external");
        ours().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            assertThat(env).as(name).isNotEmpty();
            for (final String var : env.keySet()) {
                if (var.startsWith(Settings.KAFKA_ENV_PREFIX)) {
                    assertThat(ConnectionOptions.KAFKA_NAMES).as(name + ": " + var + " must map to a Kafka client property")
                            .contains(Settings.kafkaPropertyFor(var));
                } else {
                    assertThat(ourVars).as(name + ": " + var + " is read by no milterwatch setting").contains(var);
                }
            }
            // and the values themselves pass the apps' own validation
            final Settings s = settings(service);
            assertThat(s.string(CommonSettings.BOOTSTRAP_SERVERS.name())).as(name).isEqualTo(String.join(",", brokerBootstrap()));
            switch (role(service)) {
                case "worker" -> assertThat(WorkerConfig.from(roleSettings(service, WorkerSettings.all(), KafkaNames.CLIENTS))
                        .bootstrapServers()).isNotBlank();
                case "processor" -> assertThat(ProcessorConfig.from(roleSettings(service, ProcessorSettings.all(),
                        KafkaNames.with(StreamsConfig.configDef().names()))).bootstrapServers()).isNotBlank();
                default -> assertThatCode(() -> TopicProvisioner.minInsyncReplicas(s)).as(name).doesNotThrowAnyException();
            }
        });
    }

    @Test
    void shouldRunRealCommandLinesFromTheProjectImage() {
        ours().forEach((name, service) -> {
            assertThat(buildContext(service)).as(name + " builds the root Dockerfile").isEqualTo(".");
            final List<String> command = milterwatchCommand(service);
            assertThatCode(() -> Main.commandLine().parseArgs(command.toArray(String[]::new)))
                    .as(name + ": " + command).doesNotThrowAnyException();
            if (roleOfImage(service) != null) {
                // a role jar takes only the connection flags (io.milterwatch.config.Launcher)
                assertThat(command(service)).as(name).allSatisfy(a -> assertThat(a.startsWith("--") ? a : "--config")
                        .isIn("--config", "--bootstrap-servers", "--topic-prefix"));
                assertThat(((Map<?, ?>) service.get("build")).get("target")).as(name + " builds its role's Dockerfile target")
                        .isEqualTo(roleOfImage(service));
            }
            // the SASL credentials come from the secret file on the command line
            if (!profiles(service).contains("tools")) {
                assertThat(command.subList(command.size() - 2, command.size())).as(name).containsExactly("--config", CLIENT_SECRET);
            }
            assertThat(list(service.get("secrets"))).as(name).containsExactlyInAnyOrder("kafka-client", "kafka-ca");
        });
        assertThat(command(services.get("topics"))).containsExactly("topics", "create", "--config", CLIENT_SECRET);
    }

    @Test
    void shouldCreateEveryTopicWithReplicationThreeAndMinInsyncTwoBeforeAnythingUsesThem() {
        // the one-shot topics service asks for replication 3 and min.insync.replicas 2 ...
        final Settings topics = settings(services.get("topics"));
        assertThat(topics.intIn(CommonSettings.TOPIC_REPLICATION.name(), -1, 32)).isEqualTo(3);
        assertThat(TopicProvisioner.minInsyncReplicas(topics)).isEqualTo(2);
        // ... every other process would create them alike, were they missing ...
        ours().forEach((name, service) -> {
            final Settings s = settings(service);
            for (final Setting t : List.of(CommonSettings.TOPIC_PREFIX, CommonSettings.TOPIC_PARTITIONS, CommonSettings.TOPIC_REPLICATION,
                    CommonSettings.TOPIC_MIN_ISR)) {
                assertThat(s.string(t.name())).as(name + ": " + t.name()).isEqualTo(topics.string(t.name()));
            }
        });
        // ... and every long-running process starts only after it succeeded
        ours().forEach((name, service) -> {
            if (!name.equals("topics") && !profiles(service).contains("tools")) {
                assertThat(dependsOn(service)).as(name).containsEntry("topics", "service_completed_successfully");
            }
        });
        assertThat(dependsOn(services.get("topics"))).containsOnlyKeys(brokers().keySet())
                .allSatisfy((broker, condition) -> assertThat(condition).isEqualTo("service_healthy"));
    }

    @Test
    void shouldRunTwoProcessorsOfOneApplicationWithTheirOwnStateAndQueryServers() {
        final Map<String, Map<String, Object>> processors = byCommand("processor");
        assertThat(processors).hasSize(2);
        final Set<String> applicationIds = new TreeSet<>();
        final Set<String> stateVolumes = new TreeSet<>();
        final Set<String> advertised = new TreeSet<>();
        processors.forEach((name, service) -> {
            final ProcessorConfig config = ProcessorConfig.from(settings(service));
            applicationIds.add(config.applicationId());
            // the query server listens beyond loopback and tells the other instance its own name
            assertThat(config.httpHost()).as(name).isEqualTo("0.0.0.0");
            assertThat(config.httpAdvertised()).as(name).isEqualTo(name + ":" + config.httpPort());
            advertised.add(config.httpAdvertised());
            // the state directory is inside a named volume of its own
            final String stateDir = config.stateDir().toString();
            final List<String[]> mounts = volumes(service).stream().map(v -> v.split(":")).filter(v -> stateDir.startsWith(v[1]))
                    .toList();
            assertThat(mounts).as(name + ": a volume holding " + stateDir).hasSize(1);
            assertThat(topLevel("volumes")).as(name).containsKey(mounts.get(0)[0]);
            stateVolumes.add(mounts.get(0)[0]);
            // healthy means the query server says it is ready
            final String health = String.join(" ", healthcheck(service));
            assertThat(health).as(name).contains("/health/ready").contains("/" + config.httpPort());
        });
        assertThat(applicationIds).as("one application: the instances share its partitions").hasSize(1);
        assertThat(stateVolumes).as("each instance its own state").hasSize(2);
        assertThat(advertised).hasSize(2);
        // no other service mounts a processor's state
        services.forEach((name, service) -> {
            if (!processors.containsKey(name)) {
                assertThat(volumes(service).stream().map(v -> v.split(":")[0])).as(name).doesNotContainAnyElementsOf(stateVolumes);
            }
        });
    }

    @Test
    void shouldGiveEachProbeWorkerAFixedPreTouchedHeap() {
        byCommand("worker").forEach((name, service) -> {
            final List<String> options = List.of(env(service).getOrDefault(Settings.JAVA_OPTS_ENV, "").trim().split("\\s+"));
            // as measured in docs/BENCHMARKS.md: the heap claimed at start, no page faults on the probe threads
            assertThat(options).as(name).contains("-XX:+AlwaysPreTouch");
            final String xms = options.stream().filter(o -> o.startsWith("-Xms")).findFirst().orElse("-Xm?").substring(4);
            final String xmx = options.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElse("-Xm?").substring(4);
            assertThat(xms).as(name + ": -Xms equals -Xmx").isEqualTo(xmx).isNotEmpty();
        });
    }

    @Test
    void shouldKeepEachProbeWorkerOnTheNetworksOfItsZoneOnly() {
        final Map<String, Map<String, Object>> workers = byCommand("worker");
        assertThat(workers).containsOnlyKeys("worker-internal", "worker-external");
        final Map<String, Zone> zones = new TreeMap<>();
        final Set<String> vantages = new TreeSet<>();
        workers.forEach((name, service) -> {
            final WorkerConfig config = WorkerConfig.from(settings(service));
            zones.put(name, config.zone());
            vantages.add(config.vantage());
        });
        assertThat(zones).containsEntry("worker-internal", Zone.INTERNAL).containsEntry("worker-external", Zone.EXTERNAL);
        assertThat(vantages).as("each vantage its own consumer group").hasSize(2);

        // the target lives in the mail network, with the internal worker and nothing else of ours
        assertThat(networks(services.get("milter-target"))).containsExactly("mail");
        assertThat(networks(workers.get("worker-internal"))).containsExactlyInAnyOrder("kafka", "mail");
        assertThat(networks(workers.get("worker-external"))).containsExactlyInAnyOrder("kafka", "outside");
        assertThat(on("mail")).containsExactlyInAnyOrder("milter-target", "worker-internal");
        assertThat(on("outside")).containsExactly("worker-external");
        // the cluster's network holds no milter
        assertThat(on("kafka")).doesNotContain("milter-target");
        assertThat(topLevel("networks")).containsOnlyKeys("kafka", "mail", "outside");
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldLetTheExternalWorkerReachTheTargetOnlyThroughWhatIsPublished() throws Exception {
        // the outside network has a fixed gateway: the Docker host's address as the outside sees it
        final Map<String, Object> outside = (Map<String, Object>) topLevel("networks").get("outside");
        final List<Map<String, Object>> ipam = (List<Map<String, Object>>) ((Map<String, Object>) outside.get("ipam")).get("config");
        final String gateway = String.valueOf(ipam.get(0).get("gateway"));
        assertThat(gateway).startsWith(String.valueOf(ipam.get(0).get("subnet")).replaceAll("\\.0/24$", "."));
        // the target publishes its milter port there, and only there
        final Map<String, Object> target = services.get("milter-target");
        final int port = opendkimPort();
        assertThat(list(target.get("ports")).stream().map(DockerComposeTest::interpolate)).containsExactly(gateway + ":" + port + ":" + port);
        // and for the external worker, the target's name is that address
        assertThat((List<String>) services.get("worker-external").get("extra_hosts")).containsExactly("milter-target:" + gateway);
        assertThat(services.get("worker-internal")).doesNotContainKey("extra_hosts");
        // the target's image is built from the files beside its Dockerfile
        final Path context = ROOT.resolve(buildContext(target));
        assertThat(Files.readString(context.resolve("Dockerfile"))).contains("opendkim.conf");
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldSpeakSaslSslWithSecretsKeptOutOfTheFile() throws Exception {
        // every milterwatch client speaks SASL_SSL, trusting the CA from its secret
        ours().forEach((name, service) -> assertThat(settings(service).kafkaOverrides()).as(name)
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("ssl.truststore.location", "/run/secrets/kafka-ca"));
        // and every broker listener a client can reach is SASL_SSL
        brokers().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            final Map<String, String> protocols = new TreeMap<>();
            for (final String p : env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")) {
                protocols.put(p.split(":")[0], p.split(":")[1]);
            }
            listeners(env.get("KAFKA_LISTENERS")).keySet()
                    .forEach(l -> assertThat(protocols.get(l)).as(name + ": listener " + l).isEqualTo("SASL_SSL"));
            assertThat(env.get("KAFKA_SASL_ENABLED_MECHANISMS")).as(name).isEqualTo("PLAIN");
            assertThat(env.get("KAFKA_OPTS")).as(name).isEqualTo("-Djava.security.auth.login.config=/etc/kafka/secrets/broker-jaas.conf");
            assertThat(volumes(service)).as(name).contains("./secrets/broker:/etc/kafka/secrets:ro");
        });
        // the files the brokers and clients are given are the ones deploy/make-secrets writes
        final String makeSecrets = Files.readString(ROOT.resolve("deploy/make-secrets"));
        final Map<String, String> broker = env(brokers().values().iterator().next());
        final List<String> brokerFiles = new ArrayList<>();
        for (final String var : List.of("KAFKA_SSL_KEYSTORE_LOCATION", "KAFKA_SSL_TRUSTSTORE_LOCATION", "KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_KEY_PASSWORD")) {
            final Matcher file = Pattern.compile("/etc/kafka/secrets/([a-z0-9.-]+)").matcher(broker.get(var));
            assertThat(file.find()).as(var + " names a file in the brokers' secrets").isTrue();
            brokerFiles.add(file.group(1));
        }
        brokerFiles.addAll(List.of("broker-jaas.conf", "client.properties"));
        for (final String file : brokerFiles) {
            assertThat(makeSecrets).as("deploy/make-secrets writes broker/" + file).contains("$dir/broker/" + file);
        }
        // passwords only as references to those files
        for (final String var : List.of("KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_KEY_PASSWORD")) {
            assertThat(broker.get(var)).as(var).matches(FILE_REFERENCE);
        }
        final Map<String, Object> secrets = topLevel("secrets");
        assertThat(secrets).containsOnlyKeys("kafka-client", "kafka-ca");
        secrets.forEach((name, secret) -> {
            final String file = String.valueOf(((Map<String, Object>) secret).get("file"));
            assertThat(file).as(name).startsWith("./secrets/");
            assertThat(makeSecrets).as("deploy/make-secrets writes " + file).contains("$dir/" + file.substring("./secrets/".length()));
        });
        assertThat(Files.readAllLines(ROOT.resolve(".gitignore"))).contains("/secrets/");
        assertThat(Files.readAllLines(ROOT.resolve(".dockerignore"))).contains("secrets/");
        // the password comes from a secret file, never from this file or the environment
        assertThat(composeText).doesNotContainPattern("(?i)password\\s*=\\s*\"(?!\\.\\.\\.\")");
        services.forEach((name, service) -> {
            assertThat(env(service)).as(name).doesNotContainKeys("KAFKA_SASL_JAAS_CONFIG");
            env(service).forEach((var, value) -> {
                if (var.contains("PASSWORD")) {
                    assertThat(value).as(name + ": " + var).matches(FILE_REFERENCE);
                }
            });
        });
    }

    @Test
    void shouldSendEverySourceFileToTheImageBuild() throws Exception {
        // .dockerignore patterns, read as Docker reads them: relative to the context, '**' for any depth
        final List<java.nio.file.PathMatcher> ignored = new ArrayList<>();
        for (final String line : Files.readAllLines(ROOT.resolve(".dockerignore"))) {
            final String pattern = line.trim().replaceAll("^/+|/+$", "");
            if (!pattern.isEmpty() && !pattern.startsWith("#")) {
                ignored.add(ROOT.getFileSystem().getPathMatcher("glob:" + pattern));
                ignored.add(ROOT.getFileSystem().getPathMatcher("glob:" + pattern + "/**"));
            }
        }
        final List<Path> needed;
        try (var walk = Files.walk(ROOT)) {
            needed = walk.filter(Files::isRegularFile).map(ROOT::relativize)
                    .filter(p -> p.toString().contains("src/main/") || p.getFileName().toString().equals("pom.xml")
                            || p.startsWith(".mvn") || p.toString().equals("mvnw"))
                    .filter(p -> !p.startsWith("target") && !(p.getNameCount() > 1 && p.getName(1).toString().equals("target")))
                    .toList();
        }
        assertThat(needed).as("sources found").isNotEmpty();
        assertThat(needed).as("files the image build needs").noneMatch(p -> ignored.stream().anyMatch(m -> m.matches(p)));
    }

    // ---------------------------------------------------------------- the Kafka cluster

    @Test
    void shouldPinTheKafkaImageToTheProjectsKafkaVersion() throws Exception {
        final Matcher version = Pattern.compile("<kafka.version>([^<]+)</kafka.version>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(version.find()).isTrue();
        assertThat(kafkaNodes()).isNotEmpty().allSatisfy((name, service) -> assertThat(image(service)).as(name)
                .isEqualTo(KAFKA_IMAGE + ":" + version.group(1)));
    }

    @Test
    void shouldGiveKafkaNodesOnlyRealKafkaSettings() {
        final Set<String> kafkaNames = KafkaConfig.configDef().names();
        kafkaNodes().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            assertThat(env).as(name).isNotEmpty();
            for (final String var : env.keySet()) {
                if (KAFKA_IMAGE_VARIABLES.contains(var)) {
                    continue;
                }
                assertThat(var).as(name + ": neither a Kafka setting nor one the image reads").startsWith(Settings.KAFKA_ENV_PREFIX);
                final String property = Settings.kafkaPropertyFor(var);
                if (property.startsWith("config.providers.")) {
                    // a provider's own settings (config.providers.NAME.class): the provider must be declared
                    assertThat(List.of(env.get("KAFKA_CONFIG_PROVIDERS").split(","))).as(name + ": " + var)
                            .contains(property.split("\\.")[2]);
                } else {
                    assertThat(kafkaNames).as(name + ": " + var).contains(property);
                }
            }
        });
    }

    @Test
    void shouldFormAQuorumOfTheThreeDedicatedControllers() {
        final Map<String, Map<String, Object>> controllers = controllers();
        assertThat(controllers).hasSize(3);
        // id@host:port of every voter, as the controllers really are
        final Set<String> actual = new TreeSet<>();
        controllers.forEach((name, service) -> {
            final Map<String, String> env = env(service);
            assertThat(env).as(name + ": the image refuses advertised listeners on a controller").doesNotContainKey("KAFKA_ADVERTISED_LISTENERS");
            final String listener = env.get("KAFKA_CONTROLLER_LISTENER_NAMES");
            final Map<String, Integer> listeners = listeners(env.get("KAFKA_LISTENERS"));
            assertThat(listeners).as(name).containsKey(listener);
            actual.add(env.get("KAFKA_NODE_ID") + "@" + name + ":" + listeners.get(listener));
        });
        kafkaNodes().forEach((name, service) -> assertThat(new TreeSet<>(List.of(env(service).get("KAFKA_CONTROLLER_QUORUM_VOTERS").split(","))))
                .as(name + ": controller.quorum.voters").isEqualTo(actual));
        // one cluster, distinct node ids
        assertThat(kafkaNodes().values().stream().map(s -> env(s).get("CLUSTER_ID")).distinct()).singleElement()
                .satisfies(id -> assertThatCode(() -> Uuid.fromString(id)).doesNotThrowAnyException());
        assertThat(kafkaNodes().values().stream().map(s -> env(s).get("KAFKA_NODE_ID"))).doesNotHaveDuplicates();
    }

    @Test
    void shouldGiveEachBrokerListenersThatAddUp() {
        final Map<String, Map<String, Object>> brokers = brokers();
        assertThat(brokers).hasSize(3);
        brokers.forEach((name, service) -> {
            final Map<String, String> env = env(service);
            final Map<String, Integer> listeners = listeners(env.get("KAFKA_LISTENERS"));
            final Map<String, String> advertised = advertised(env.get("KAFKA_ADVERTISED_LISTENERS"));
            final Set<String> mapped = Set.of(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")).stream()
                    .map(p -> p.split(":")[0]).collect(Collectors.toSet());
            assertThat(mapped).as(name).containsAll(listeners.keySet()).contains(env.get("KAFKA_CONTROLLER_LISTENER_NAMES"));
            assertThat(listeners).as(name).containsKey(env.get("KAFKA_INTER_BROKER_LISTENER_NAME"));
            assertThat(advertised.keySet()).as(name).isEqualTo(listeners.keySet());
            // inside the cluster's network a broker is its service name
            assertThat(advertised.get(env.get("KAFKA_INTER_BROKER_LISTENER_NAME"))).as(name).isEqualTo(name + ":" + listeners.get("INTERNAL"));
            // from the host, each HOST listener is published on loopback at the port it advertises
            final String host = advertised.get("HOST");
            assertThat(host).as(name).startsWith("localhost:");
            final String port = host.substring("localhost:".length());
            assertThat(ports(service)).as(name).containsExactly("127.0.0.1:" + port + ":" + listeners.get("HOST"));
            assertThat(healthcheck(service)).as(name).isNotEmpty();
        });
    }

    @Test
    void shouldReplicateEveryTopicThreeTimesWithMinInsyncTwo() {
        final int brokerCount = brokers().size();
        kafkaNodes().forEach((name, service) -> {
            final Map<String, String> env = env(service);
            // topics created with the defaults (Kafka Streams' internal ones among them)
            assertThat(env).as(name).containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3").containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                    .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        });
        brokers().forEach((name, service) -> assertThat(env(service)).as(name)
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "2"));
        assertThat(brokerCount).as("enough brokers for replication 3 with one away").isGreaterThanOrEqualTo(3);
    }

    @Test
    void shouldInterpolateLikeCompose() {
        assertThat(interpolate("${A:-x}")).isEqualTo("x");
        assertThat(interpolate("${A-y}z")).isEqualTo("yz");
        assertThat(interpolate("${A}")).isEmpty();
        assertThat(interpolate("$${A}")).isEqualTo("${A}");
        assertThat(interpolate("plain")).isEqualTo("plain");
    }

    // ---------------------------------------------------------------- reading the file

    private static Map<String, Map<String, Object>> ours() {
        return filter(s -> String.valueOf(s.get("image")).startsWith(OUR_IMAGE) || roleOfImage(s) != null);
    }

    /** worker or processor for a role image, else null. */
    private static String roleOfImage(final Map<String, Object> service) {
        final String image = String.valueOf(service.get("image"));
        return ROLE_IMAGES.entrySet().stream().filter(e -> image.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** What a service runs: its role image's role, or the milterwatch command its full image is given. */
    private static String role(final Map<String, Object> service) {
        final String role = roleOfImage(service);
        return role != null ? role : command(service).get(0);
    }

    /** The command line as {@code milterwatch} takes it: a role image's arguments after its role's command word. */
    private static List<String> milterwatchCommand(final Map<String, Object> service) {
        final List<String> command = new ArrayList<>(command(service));
        if (roleOfImage(service) != null) {
            command.add(0, roleOfImage(service));
        }
        return command;
    }

    private static Map<String, Map<String, Object>> kafkaNodes() {
        return filter(s -> image(s).startsWith(KAFKA_IMAGE + ":"));
    }

    private static Map<String, Map<String, Object>> controllers() {
        return filter(s -> image(s).startsWith(KAFKA_IMAGE + ":") && "controller".equals(env(s).get("KAFKA_PROCESS_ROLES")));
    }

    private static Map<String, Map<String, Object>> brokers() {
        return filter(s -> image(s).startsWith(KAFKA_IMAGE + ":") && "broker".equals(env(s).get("KAFKA_PROCESS_ROLES")));
    }

    private static Map<String, Map<String, Object>> byCommand(final String command) {
        return filter(s -> ours().containsValue(s) && role(s).equals(command));
    }

    /** The image with compose's defaults: public unless a variable names a local one. */
    private static String image(final Map<String, Object> service) {
        return interpolate(String.valueOf(service.get("image")));
    }

    /** {@code build: DIR} or {@code build: {context: DIR, ...}}. */
    @SuppressWarnings("unchecked")
    private static String buildContext(final Map<String, Object> service) {
        final Object build = service.get("build");
        return build instanceof Map<?, ?> m ? String.valueOf(((Map<String, Object>) m).get("context")) : String.valueOf(build);
    }

    private static Map<String, Map<String, Object>> filter(final Predicate<Map<String, Object>> p) {
        final Map<String, Map<String, Object>> out = new TreeMap<>();
        services.forEach((name, service) -> {
            if (p.test(service)) {
                out.put(name, service);
            }
        });
        return out;
    }

    private static Set<String> on(final String network) {
        return services.entrySet().stream().filter(e -> networks(e.getValue()).contains(network)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The broker addresses our clients are to use: each broker's advertised INTERNAL listener. */
    private static List<String> brokerBootstrap() {
        return brokers().values().stream().map(s -> advertised(env(s).get("KAFKA_ADVERTISED_LISTENERS")).get("INTERNAL")).toList();
    }

    /** The settings as the role jar loads them: its own settings only, and its own Kafka client names. */
    private static Settings roleSettings(final Map<String, Object> service, final List<Setting> spec, final Set<String> kafkaNames) {
        return Settings.load(spec, null, env(service), Map.of(), kafkaNames);
    }

    private static Settings settings(final Map<String, Object> service) {
        return Settings.load(ConnectionOptions.ALL_SETTINGS, null, env(service), Map.of(), ConnectionOptions.KAFKA_NAMES);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(final Map<String, Object> service) {
        final Map<String, Object> raw = (Map<String, Object>) service.getOrDefault("environment", Map.of());
        final Map<String, String> env = new TreeMap<>();
        raw.forEach((k, v) -> env.put(k, interpolate(String.valueOf(v))));
        return env;
    }

    /** Compose's interpolation with no variable set: {@code ${A:-x}} and {@code ${A-x}} give x, {@code ${A}} nothing. */
    private static String interpolate(final String value) {
        assertThat(INTERPOLATION.matcher(value).replaceAll("")).as("an interpolation this test does not know in '" + value + "'")
                .doesNotContain("${");
        final Matcher m = INTERPOLATION.matcher(value);
        final StringBuilder b = new StringBuilder();
        while (m.find()) {
            final String replacement = m.group().equals("$$") ? "$" : m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(b, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static List<String> command(final Map<String, Object> service) {
        return ((List<?>) service.get("command")).stream().map(String::valueOf).toList();
    }

    private static List<String> networks(final Map<String, Object> service) {
        return list(service.get("networks"));
    }

    private static List<String> volumes(final Map<String, Object> service) {
        return list(service.get("volumes"));
    }

    private static List<String> ports(final Map<String, Object> service) {
        return list(service.get("ports"));
    }

    private static List<String> profiles(final Map<String, Object> service) {
        return list(service.get("profiles"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> healthcheck(final Map<String, Object> service) {
        final Map<String, Object> h = (Map<String, Object>) service.get("healthcheck");
        return h == null ? List.of() : list(h.get("test"));
    }

    private static List<String> list(final Object o) {
        return o == null ? List.of() : ((List<?>) o).stream().map(String::valueOf).toList();
    }

    /** depends_on as service to condition, short list form meaning service_started. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> dependsOn(final Map<String, Object> service) {
        final Object d = service.get("depends_on");
        final Map<String, String> out = new TreeMap<>();
        if (d instanceof List<?> l) {
            l.forEach(s -> out.put(String.valueOf(s), "service_started"));
        } else if (d instanceof Map<?, ?> m) {
            ((Map<String, Map<String, Object>>) m).forEach((k, v) -> out.put(k, String.valueOf(v.get("condition"))));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> topLevel(final String key) {
        return (Map<String, Object>) compose.get(key);
    }

    /** {@code NAME://host:port,...} to NAME to port. */
    private static Map<String, Integer> listeners(final String spec) {
        final Map<String, Integer> out = new LinkedHashMap<>();
        for (final String l : spec.split(",")) {
            out.put(l.substring(0, l.indexOf("://")), Integer.parseInt(l.substring(l.lastIndexOf(':') + 1)));
        }
        return out;
    }

    /** {@code NAME://host:port,...} to NAME to host:port. */
    private static Map<String, String> advertised(final String spec) {
        final Map<String, String> out = new LinkedHashMap<>();
        for (final String l : spec.split(",")) {
            out.put(l.substring(0, l.indexOf("://")), l.substring(l.indexOf("://") + 3));
        }
        return out;
    }

    /** The port the sample target's opendkim listens on, from its own configuration. */
    private static int opendkimPort() throws Exception {
        final Path conf = ROOT.resolve(buildContext(services.get("milter-target"))).resolve("opendkim.conf");
        final Matcher m = Pattern.compile("(?m)^Socket\\s+inet:(\\d+)@").matcher(Files.readString(conf));
        assertThat(m.find()).as("Socket inet:PORT@ADDRESS in " + conf).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
