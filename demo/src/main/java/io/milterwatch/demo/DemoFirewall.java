package io.milterwatch.demo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo's firewall: one nftables table of its own, {@code inet milterwatch_demo}, that touches
 * only new TCP connections arriving on the loopback interface from the outside vantage's source
 * address to the demo milters' address and ports. Open, it logs and accepts them; closed, it logs
 * them and answers with a TCP reset (the prober's CLOSED). Both log lines carry a prefix unique to
 * this run, so the kernel log follower picks out this demo's lines and no one else's.
 *
 * <p>A lock file makes sure only one demo owns the table; a table left by a demo that was killed
 * is found at start and deleted. {@link #close()} deletes the table (also from the shutdown hook).
 */
final class DemoFirewall implements AutoCloseable {

    static final String TABLE = "milterwatch_demo";
    private static final Path NFT = Path.of("/usr/sbin/nft");

    private final String source;
    private final String destination;
    private final List<Integer> ports;
    private final String prefix;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final boolean removedStale;
    private boolean open = true;

    private DemoFirewall(final String source, final String destination, final List<Integer> ports, final String prefix,
            final FileChannel lockChannel, final FileLock lock, final boolean removedStale) {
        this.source = source;
        this.destination = destination;
        this.ports = List.copyOf(ports);
        this.prefix = prefix;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.removedStale = removedStale;
    }

    /** Why this machine cannot have the demo's firewall, or null when it can. */
    static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "nftables is Linux only (this is " + System.getProperty("os.name") + ")";
        }
        if (!Files.isExecutable(NFT)) {
            return "nftables ('" + NFT + "') is not installed";
        }
        try {
            final Result r = nft(null, "list", "tables");
            return r.code == 0 ? null : "cannot use nftables here (" + r.out.strip() + "); it needs root (CAP_NET_ADMIN)";
        } catch (final IOException e) {
            return "cannot run nft: " + e.getMessage();
        }
    }

    /**
     * Takes the lock, deletes a stale table, and creates the table open.
     *
     * @param logPrefix the log prefix of this run; the words ACCEPT and REJECT are appended
     */
    static DemoFirewall create(final String source, final String destination, final List<Integer> ports, final String logPrefix)
            throws IOException {
        final Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "milterwatch-demo.lock");
        final FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (final java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("another milterwatch demo is running on this machine (it holds " + lockFile
                    + " and the nftables table inet " + TABLE + "); stop it first, or run this one with --no-firewall");
        }
        try {
            final boolean stale = nft(null, "list", "table", "inet", TABLE).code == 0;
            if (stale) {
                check(nft(null, "delete", "table", "inet", TABLE), "delete the stale table inet " + TABLE);
            }
            final String ruleset = "table inet " + TABLE + " {\n"
                    + "  chain input {\n"
                    + "    type filter hook input priority filter; policy accept;\n"
                    + "    iif \"lo\" ip saddr " + source + " ip daddr " + destination + " tcp dport { "
                    + ports.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " } ct state new jump outside\n"
                    + "  }\n"
                    + "  chain outside {\n"
                    + "    log prefix \"" + logPrefix + " ACCEPT \" accept\n"
                    + "  }\n"
                    + "}\n";
            check(nft(ruleset, "-f", "-"), "create the table inet " + TABLE);
            return new DemoFirewall(source, destination, ports, logPrefix, channel, lock, stale);
        } catch (final IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    boolean removedStale() {
        return removedStale;
    }

    /** The remediation: new connections from the outside get a TCP reset (and a log line). */
    void block() throws IOException {
        set(true);
    }

    /** The regression: new connections from the outside are accepted again (and logged). */
    void unblock() throws IOException {
        set(false);
    }

    private void set(final boolean closed) throws IOException {
        final String rule = closed ? "meta l4proto tcp log prefix \"" + prefix + " REJECT \" reject with tcp reset"
                : "log prefix \"" + prefix + " ACCEPT \" accept";
        check(nft("flush chain inet " + TABLE + " outside\nadd rule inet " + TABLE + " outside " + rule + "\n", "-f", "-"),
                (closed ? "close" : "open") + " the demo firewall");
        open = !closed;
    }

    boolean isOpen() {
        return open;
    }

    String describe() {
        return "nftables table inet " + TABLE + ": new TCP connections from " + source + " to " + destination + " ports " + ports;
    }

    /** Deletes the table and releases the lock. */
    @Override
    public void close() {
        try {
            nft(null, "delete", "table", "inet", TABLE);
        } catch (final IOException e) {
            // reported by the caller's check of the table, if it matters; the next demo removes a stale table
        } finally {
            try {
                lock.release();
                lockChannel.close();
            } catch (final IOException e) {
                // the lock goes with the process anyway
            }
        }
    }

    /** Whether the table exists (for tests and for the exit message). */
    static boolean tableExists() throws IOException {
        return nft(null, "list", "table", "inet", TABLE).code == 0;
    }

    private record Result(int code, String out) {
    }

    private static void check(final Result r, final String what) throws IOException {
        if (r.code != 0) {
            throw new IOException("nft could not " + what + ": " + r.out.strip());
        }
    }

    private static Result nft(final String stdin, final String... args) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(NFT.toString());
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nft " + String.join(" ", args) + " did not finish within 30 s");
            }
        } catch (final InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running nft", e);
        }
        return new Result(p.exitValue(), out);
    }
}
