package io.milterwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milterwatch.config.Settings;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.worker.config.WorkerConfig;
import io.milterwatch.worker.config.WorkerSettings;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.probe.ProbeEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Runs the probe worker's engine once, without Kafka, and prints one JSON object per probed
 * address and port, in the order of the targets given. The worker's settings apply (scope,
 * limits, timeouts), from {@code --config}, the environment and the flags below.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Probe targets now, without Kafka; one JSON object per probed address and port on standard output.",
        footerHeading = "%nExamples:%n",
        footer = {"  milterwatch probe 127.0.0.1:8891",
                "  milterwatch probe mx.example.org --ports 1981,8891 --connect-timeout-ms 1500",
                "  milterwatch probe 192.0.2.0/28:11332 --scope 192.0.2.0/24 | jq -r '.ip + \" \" + .outcome'"})
final class ProbeCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "TARGET",
            description = "HOST:PORTS, [IPV6]:PORTS, HOST (default milter ports), or a CIDR range (A.B.C.D/N[:PORTS], [X::/N]:PORTS);"
                    + " PORTS: 8891, 1-65535 or 1981,8891,11332")
    List<String> targets;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with worker.* settings")
    Path config;

    @Option(names = "--connect-timeout-ms", paramLabel = "MS", description = "Connect timeout (worker.connect.timeout.ms)")
    String connectTimeout;

    @Option(names = "--reply-timeout-ms", paramLabel = "MS", description = "Reply timeout per handshake stage (worker.reply.timeout.ms)")
    String replyTimeout;

    @Option(names = "--ports", paramLabel = "P,P,...", description = "Ports for targets that name none (worker.default.ports)")
    String ports;

    @Option(names = "--scope", paramLabel = "CIDR|DOMAIN,...", description = "Allow-list (worker.scope.allow)")
    String scope;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        final Map<String, String> flags = new HashMap<>();
        flags.put(WorkerSettings.CONNECT_TIMEOUT.name(), connectTimeout);
        flags.put(WorkerSettings.REPLY_TIMEOUT.name(), replyTimeout);
        flags.put(WorkerSettings.DEFAULT_PORTS.name(), ports);
        flags.put(WorkerSettings.SCOPE_ALLOW.name(), scope);
        final Settings settings = Settings.load(ConnectionOptions.ALL_SETTINGS, config, System.getenv(), flags, ConnectionOptions.KAFKA_NAMES);
        final EngineConfig engineConfig = WorkerConfig.engine(settings);
        final List<TargetSpec> specs = new ArrayList<>();
        for (final String t : targets) {
            specs.add(TargetSpec.parse(t, engineConfig));
        }
        final String vantage = settings.string(WorkerSettings.VANTAGE.name());
        final Zone zone = settings.enumValue(WorkerSettings.ZONE.name(), Zone.class);
        final PrintWriter out = spec.commandLine().getOut();
        try (ProbeEngine engine = new ProbeEngine(engineConfig, vantage, zone)) {
            final List<CompletableFuture<List<ProbeResult>>> running = new ArrayList<>();
            for (final TargetSpec t : specs) {
                final long now = System.currentTimeMillis();
                running.add(engine.probe(ProbeRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTargetId(t.id())
                        .setHost(t.host()).setPorts(t.ports()).setPortRanges(t.portRanges()).setReason(ProbeReason.MANUAL).setAllowedZones(List.of(Zone.INTERNAL))
                        .setRequestedAtMs(now).setDeadlineMs(0).build()));
            }
            for (final CompletableFuture<List<ProbeResult>> r : running) {
                for (final ProbeResult result : r.join()) {
                    out.println(json(result));
                    out.flush();
                }
            }
        }
        return 0;
    }

    /** The documented JSON line of one result. */
    static String json(final ProbeResult r) throws JsonProcessingException {
        final ObjectNode node = RecordJson.mapper().createObjectNode();
        node.put("target", r.getTargetId());
        node.put("ip", r.getIp().isEmpty() ? null : r.getIp());
        node.put("port", r.getPort());
        node.put("outcome", r.getOutcome().name());
        final MilterHandshake m = r.getMilter();
        if (m == null) {
            node.putNull("milter");
        } else {
            final ObjectNode milter = node.putObject("milter");
            milter.put("version", m.getVersion());
            milter.put("actions", m.getActions());
            milter.put("actionsHex", "0x" + Long.toHexString(m.getActions()).toLowerCase(Locale.ROOT));
            milter.put("protocol", m.getProtocol());
            milter.put("protocolHex", "0x" + Long.toHexString(m.getProtocol()).toLowerCase(Locale.ROOT));
            final ObjectNode symbols = milter.putObject("symbols");
            m.getSymbols().forEach((k, v) -> symbols.put(k, v));
            milter.put("offeredVersion", m.getOfferedVersion());
        }
        node.put("product", r.getProduct());
        node.put("productReason", r.getProductReason());
        node.put("aximilterReply", r.getAximilterReply());
        node.put("banner", r.getBanner());
        node.put("latencyMs", r.getTotalMs());
        node.put("connectMs", r.getConnectMs());
        node.put("firstByteMs", r.getFirstByteMs());
        node.set("handshakes", RecordJson.mapper().valueToTree(r.getHandshakes()));
        node.put("error", r.getError());
        return RecordJson.mapper().writeValueAsString(node);
    }
}
