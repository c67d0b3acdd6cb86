package io.milterwatch.worker.probe;

import static io.milterwatch.testing.LocalPorts.listening;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;


import io.milterwatch.testing.Prerequisites;

/**
 * A real third-party daemon that a test starts in the foreground on a loopback port and stops
 * afterwards. Its executable is a prerequisite: missing, the test skips with the reason, but under
 * CI ({@code CI=true}, where {@code .ci/run} installs every prerequisite) it fails with it.
 */
final class RealDaemon implements AutoCloseable {

    private final Process process;
    private final Path log;

    private RealDaemon(final Process process, final Path log) {
        this.process = process;
        this.log = log;
    }

    /** Skips (fails under CI=true) unless {@code executable} is installed. */
    static void require(final Path executable, final String debianPackage) {
        Prerequisites.require(Files.isExecutable(executable),
                executable + " is not installed (Debian package " + debianPackage + "; .ci/run installs it)");
    }

    /** Starts {@code command} with its output in {@code log} and waits until {@code port} on 127.0.0.1 accepts connections. */
    static RealDaemon start(final List<String> command, final Path log, final int port, final Duration startup) throws IOException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final RealDaemon d = new RealDaemon(p, log);
        try {
            await().atMost(startup).pollInterval(Duration.ofMillis(100))
                    .until(() -> listening(port) || !p.isAlive());
            if (!p.isAlive()) {
                throw new IllegalStateException(command.get(0) + " exited with " + p.exitValue() + " before listening on port " + port
                        + ":\n" + d.log());
            }
        } catch (final RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (final IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
