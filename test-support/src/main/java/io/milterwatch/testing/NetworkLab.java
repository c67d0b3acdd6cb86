package io.milterwatch.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A private network for tests: one network namespace (a "host") joined to this machine's root
 * namespace by a veth pair, on a random {@code 10.251.N.0/24}. The host is {@code .1}; the root
 * side gets {@code .2} and any extra addresses the test asks for. Traffic in such a test goes only
 * to addresses of this lab. Needs root and iproute2; {@link #unavailableReason()} says why not.
 */
public final class NetworkLab implements AutoCloseable {

    private final String ns;
    private final String rootIf;
    private final String subnet;
    private final List<Process> spawned = new ArrayList<>();

    private NetworkLab(final String ns, final String rootIf, final String subnet) {
        this.ns = ns;
        this.rootIf = rootIf;
        this.subnet = subnet;
    }

    /** Null when a lab can be made here; otherwise the reason, for a skipped test to state. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root (running as " + System.getProperty("user.name") + ")";
        }
        for (final String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft")) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin")))) {
                return tool + " is not installed (Debian packages iproute2 and nftables)";
            }
        }
        return null;
    }

    /** @param rootSideHosts extra host numbers (3..254) to add on the root side, e.g. a second source address */
    public static NetworkLab create(final int... rootSideHosts) throws IOException, InterruptedException {
        final int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
        final String subnet = "10.251." + ThreadLocalRandom.current().nextInt(0, 256);
        final NetworkLab lab = new NetworkLab("mwlab" + id, "mwr" + id, subnet);
        final String hostIf = "mwh" + id;
        try {
            run("ip", "netns", "add", lab.ns);
            run("ip", "link", "add", lab.rootIf, "type", "veth", "peer", "name", hostIf);
            run("ip", "link", "set", hostIf, "netns", lab.ns);
            run("ip", "addr", "add", subnet + ".2/24", "dev", lab.rootIf);
            for (final int h : rootSideHosts) {
                run("ip", "addr", "add", subnet + "." + h + "/24", "dev", lab.rootIf);
            }
            run("ip", "link", "set", lab.rootIf, "up");
            lab.exec("ip", "addr", "add", subnet + ".1/24", "dev", hostIf);
            lab.exec("ip", "link", "set", hostIf, "up");
            lab.exec("ip", "link", "set", "lo", "up");
            return lab;
        } catch (final IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** The host's address, {@code 10.251.N.1}. */
    public String hostAddress() {
        return subnet + ".1";
    }

    /** An address on the root side: {@code 10.251.N.h}. */
    public String rootAddress(final int h) {
        return subnet + "." + h;
    }

    public String namespace() {
        return ns;
    }

    /** Runs a command inside the host and returns its output; fails with that output on a non-zero exit. */
    public String exec(final String... command) throws IOException, InterruptedException {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    /** Starts a long-running command inside the host; it is killed when the lab closes. */
    public Process spawn(final Path log, final String... command) throws IOException {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        final Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        spawned.add(p);
        return p;
    }

    /** Loads an nftables ruleset inside the host. */
    public void nft(final String ruleset) throws IOException, InterruptedException {
        final Path file = Files.createTempFile("lab", ".nft");
        try {
            Files.writeString(file, ruleset);
            exec("nft", "-f", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static String run(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        final String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + text.trim());
        }
        return text;
    }

    @Override
    public void close() {
        for (final Process p : spawned) {
            p.destroy();
        }
        for (final Process p : spawned) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            // Anything else still running in the namespace (a daemon that forked) goes too.
            final String pids = run("ip", "netns", "pids", ns).trim();
            for (final String pid : pids.split("\\s+")) {
                if (!pid.isEmpty()) {
                    run("kill", "-9", pid);
                }
            }
        } catch (final IOException | InterruptedException e) {
            // the namespace may never have been made
        }
        try {
            run("ip", "netns", "del", ns);
        } catch (final IOException | InterruptedException e) {
            // already gone
        }
        try {
            run("ip", "link", "del", rootIf);
        } catch (final IOException | InterruptedException e) {
            // deleted with the namespace
        }
    }
}
