package io.milterwatch.worker.config;

import java.util.ArrayList;
import java.util.List;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Setting;

/** Every setting a probe worker reads, with its default. */
public final class WorkerSettings {

    public static final Setting VANTAGE = new Setting("worker.vantage", "external-1",
            "Name of this worker's vantage point; each vantage is its own consumer group and probes every target");
    public static final Setting ZONE = new Setting("worker.zone", "EXTERNAL",
            "Zone of the vantage point: EXTERNAL (outside the trusted network) or INTERNAL");
    public static final Setting CONNECT_TIMEOUT = new Setting("worker.connect.timeout.ms", "3000",
            "Connect timeout per probe; no answer within it means FILTERED");
    public static final Setting REPLY_TIMEOUT = new Setting("worker.reply.timeout.ms", "3000",
            "Time a connected port has to answer the handshake before it is called OPEN_SILENT");
    public static final Setting CONCURRENCY = new Setting("worker.concurrency", "64", "Probes in flight at once per worker");
    public static final Setting DEFAULT_PORTS = new Setting("worker.default.ports", "1981,8891,8893,11332",
            "Ports probed when a target names none (AXIMilter, OpenDKIM, OpenDMARC, rspamd)");
    public static final Setting MAX_POLL_RECORDS = new Setting("worker.max.poll.records", "100",
            "Probe requests taken per poll; their results are acknowledged before the offsets are committed");

    public static final List<Setting> WORKER = List.of(VANTAGE, ZONE, CONNECT_TIMEOUT, REPLY_TIMEOUT, CONCURRENCY, DEFAULT_PORTS,
            MAX_POLL_RECORDS);

    public static List<Setting> all() {
        final List<Setting> all = new ArrayList<>(CommonSettings.ALL);
        all.addAll(WORKER);
        return List.copyOf(all);
    }

    private WorkerSettings() {
    }
}
