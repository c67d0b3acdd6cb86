package io.milterwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.worker.config.WorkerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Everything in one process. Without --bootstrap-servers (flag, environment or config file) an
 * embedded single-node KRaft broker is started with its data under --data-dir, kept across
 * restarts; with them, that cluster is used and no broker is started.
 */
@Command(name = "run", description = "Run the whole pipeline: embedded Kafka broker (unless --bootstrap-servers), "
        + "stream processor and one probe worker, until Ctrl-C.", mixinStandardHelpOptions = true,
        exitCodeList = {"130:stopped with Ctrl-C, after draining the worker and closing the processor and broker"},
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch run                                   # embedded broker, data in ./milterwatch-data",
                "  milterwatch run --data-dir /var/lib/milterwatch --kafka-port 19092",
                "  milterwatch run --bootstrap-servers kafka1:9092,kafka2:9092 --no-worker",
                "  milterwatch run --vantage dmz-1 --zone EXTERNAL --config milterwatch.properties"})
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "milterwatch-data",
            description = "Embedded broker and state store data, kept across restarts (default ./${DEFAULT-VALUE})")
    Path dataDir;
    @Option(names = "--kafka-port", defaultValue = "9092", description = "Embedded broker's client port (default ${DEFAULT-VALUE})")
    int kafkaPort;
    @Option(names = "--controller-port", defaultValue = "9093", description = "Embedded broker's controller port (default ${DEFAULT-VALUE})")
    int controllerPort;
    @Option(names = "--vantage", paramLabel = "NAME", description = "Vantage name of the in-process probe worker (default external-1)")
    String vantage;
    @Option(names = "--zone", paramLabel = "ZONE", description = "Zone of the in-process probe worker: EXTERNAL (default) or INTERNAL")
    String zone;
    @Option(names = "--no-worker", description = "Start no probe worker (run workers elsewhere)")
    boolean noWorker;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final Map<String, String> flags = new HashMap<>();
        flags.put(WorkerSettings.VANTAGE.name(), vantage);
        flags.put(WorkerSettings.ZONE.name(), zone);
        Settings settings = connection.settings(flags);
        if ("default".equals(settings.origin(ProcessorSettings.STATE_DIR.name()))) {
            flags.put(ProcessorSettings.STATE_DIR.name(), dataDir.resolve("streams").toString());
        }
        final boolean embedded = "default".equals(settings.origin(CommonSettings.BOOTSTRAP_SERVERS.name()));
        EmbeddedKafka broker = null;
        if (embedded) {
            out.println("starting embedded Kafka broker (data in " + dataDir.toAbsolutePath() + ") ...");
            out.flush();
            broker = EmbeddedKafka.start(dataDir, "localhost", kafkaPort, controllerPort);
            flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
        }
        settings = connection.settings(flags);
        final Pipeline pipeline = Pipeline.start(settings, true, !noWorker);
        final CountDownLatch stopped = new CountDownLatch(1);
        final EmbeddedKafka finalBroker = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("stopping: draining the probe worker, closing the stream processor"
                    + (finalBroker != null ? ", stopping the embedded broker" : "") + " ...");
            out.flush();
            pipeline.close();
            if (finalBroker != null) {
                finalBroker.close();
            }
            out.println("stopped.");
            out.flush();
            stopped.countDown();
        }, "milterwatch-shutdown"));
        out.println("milterwatch is running.");
        out.println("  Kafka:       " + settings.string(CommonSettings.BOOTSTRAP_SERVERS.name()) + (embedded ? " (embedded)" : ""));
        if (embedded) {
            out.println("  data:        " + dataDir.toAbsolutePath());
        }
        out.println("  state dir:   " + Path.of(settings.string(ProcessorSettings.STATE_DIR.name())).toAbsolutePath());
        out.println("  topics:      " + String.join(", ", pipeline.topics().all()));
        out.println("  worker:      " + (noWorker ? "none" : "vantage '" + settings.string(WorkerSettings.VANTAGE.name()) + "' in zone "
                + settings.string(WorkerSettings.ZONE.name())));
        if (pipeline.processor().queryPort() > 0) {
            final String processorHttp = "http://" + settings.string(ProcessorSettings.HTTP_HOST.name()) + ":" + pipeline.processor().queryPort();
            out.println("  query API:   " + processorHttp + "/api/state  (also /api/alerts, /api/transitions)");
            out.println("  dashboard:   " + processorHttp + "/"
                    + (settings.stringOrNull(ProcessorSettings.HTTP_TOKEN.name()) == null ? "" : "#token=TOKEN"));
            out.println("  metrics:     " + processorHttp + "/metrics  (stream processor; health: /health/live, /health/ready)");
        }
        if (pipeline.workerEndpoint() != null) {
            out.println("  metrics:     " + pipeline.workerEndpoint() + "/metrics  (probe worker; health: /health/live, /health/ready)");
        }
        out.println("Add a target:  ./milterwatch targets add HOST:PORT");
        out.println("Watch alerts:  ./milterwatch alerts --follow");
        out.println("Current state: ./milterwatch state");
        out.println("Stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }
}
