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
            "Connect timeout per connection; no answer within it means FILTERED");
    public static final Setting REPLY_TIMEOUT = new Setting("worker.reply.timeout.ms", "3000",
            "Time each handshake stage has to answer before the port counts as silent to it");
    public static final Setting CONCURRENCY = new Setting("worker.concurrency", "4096",
            "Probes (ip:port) in flight at once per worker, over all hosts; each holds one socket");
    public static final Setting REACTORS = new Setting("worker.reactors", "auto",
            "Event-loop threads running the probes (auto: one per available processor, at most 4); each address belongs to one of them");
    public static final Setting TRANSPORT = new Setting("worker.transport", "auto",
            "Socket layer of the probes: epoll (Linux x86_64/aarch64, Netty's native transport, half the system calls), nio (Java NIO, everywhere) or auto (epoll where it loads)");
    public static final Setting HOST_CONCURRENCY = new Setting("worker.host.concurrency", "4",
            "Probes in flight at once per address");
    public static final Setting HOST_RATE = new Setting("worker.host.rate", "20",
            "Probes started per second per address (a probe opens one to three connections)");
    public static final Setting REPLY_MAX_BYTES = new Setting("worker.reply.max.bytes", "8192",
            "Bytes read per connection at most; bounds memory at worker.concurrency times this");
    public static final Setting DEFAULT_PORTS = new Setting("worker.default.ports", "1981,8891,8893,11332",
            "Ports probed when a target names none (AXIMilter, OpenDKIM, OpenDMARC, rspamd)");
    public static final Setting AXIMILTER_PORTS = new Setting("worker.aximilter.ports", "1981",
            "Ports where the AXIMilter PING goes first (none: nowhere); elsewhere the milter offer goes first and PING only after silence or a text line");
    public static final Setting CIDR_MAX_ADDRESSES = new Setting("worker.cidr.max.addresses", "4096",
            "Largest CIDR range one target may expand to");
    public static final Setting SCOPE_ALLOW = new Setting("worker.scope.allow", "0.0.0.0/0,::/0",
            "Allow-list of CIDRs and domains; every resolved address must lie in an allowed CIDR, names in an allowed domain when any is given");
    public static final Setting SCOPE_UNSAFE_ALLOW = new Setting("worker.scope.unsafe.allow", "none",
            "CIDRs inside link-local and cloud-metadata ranges (169.254.0.0/16, fe80::/10, fd00:ec2::254, ...) to probe anyway");
    public static final Setting SOURCE_ADDRESS = new Setting("worker.source.address", "",
            "Local address probes are sent from (an IP literal; empty: the system's choice). Lets two vantages on one host "
                    + "reach a target from different sources");
    public static final Setting MAX_POLL_RECORDS = new Setting("worker.max.poll.records", "1000",
            "Probe requests taken per poll, and at most in flight at once; each result is published when its probe ends, offsets are "
                    + "committed in order once the results are acknowledged. A request stays in flight until the broker acknowledges its "
                    + "results (tens of ms on a busy broker), so this bounds the requests per second: at 100, about 1,900/s on one "
                    + "machine, short of the 3,333/s that 1,000,000 targets every 300 s need");

    public static final Setting HTTP_HOST = new Setting("worker.http.host", "127.0.0.1",
            "Address the worker's /metrics, /health/live and /health/ready bind to (loopback by default)");
    public static final Setting HTTP_PORT = new Setting("worker.http.port", "8471",
            "Port of the worker's /metrics, /health/live and /health/ready; 0 picks a free port (logged), none disables them");

    public static final Setting HTTP_ALLOWED_HOSTS = new Setting("worker.http.allowed.hosts", "",
            "Host names clients may reach /metrics and /health by besides worker.http.host, localhost and IP addresses (comma-separated; "
                    + "* for any): a request naming another Host gets 421, the guard against DNS rebinding");
    public static final Setting GROUP_INSTANCE_ID = new Setting("worker.group.instance.id", "auto",
            "Static group membership: a worker restarted (even after SIGKILL) with the same id takes its partitions back at once, "
                    + "not after the old member's session timeout. auto: host name, vantage and worker.http.port when that is a fixed "
                    + "port (two workers on one host cannot share it; with port 0 or none, dynamic membership); none: dynamic "
                    + "membership; else the id itself (never the same for two live workers)");

    public static final Setting LOG_SUMMARY_MS = new Setting("worker.log.summary.ms", "60000",
            "How often the worker logs one summary line (probes by outcome, results published, DLQ records); a refused or failed "
                    + "target is logged at DEBUG only (it is in its result); 0 turns the line off");

    public static final List<Setting> WORKER = List.of(VANTAGE, ZONE, SOURCE_ADDRESS, CONNECT_TIMEOUT, REPLY_TIMEOUT, CONCURRENCY, REACTORS, TRANSPORT, HOST_CONCURRENCY,
            HOST_RATE, REPLY_MAX_BYTES, DEFAULT_PORTS, AXIMILTER_PORTS, CIDR_MAX_ADDRESSES, SCOPE_ALLOW, SCOPE_UNSAFE_ALLOW,
            MAX_POLL_RECORDS, HTTP_HOST, HTTP_PORT, HTTP_ALLOWED_HOSTS, GROUP_INSTANCE_ID, LOG_SUMMARY_MS);

    public static List<Setting> all() {
        final List<Setting> all = new ArrayList<>(CommonSettings.ALL);
        all.addAll(WORKER);
        return List.copyOf(all);
    }

    private WorkerSettings() {
    }
}
