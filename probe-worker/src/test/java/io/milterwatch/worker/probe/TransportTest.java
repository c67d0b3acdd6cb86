package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.testing.LocalPorts;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both socket layers under the reactor, against real loopback sockets: the same answers for the
 * same situations, and no poll that sleeps through a wake-up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransportTest {

    private static final InetSocketAddress NOWHERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), LocalPorts.freePort());

    /** Runs {@code body} on a thread that owns a new transport of the kind, as a reactor thread does. */
    private static <T> T onOwner(final TransportKind kind, final ThrowingFunction<T> body) throws Exception {
        if (kind == TransportKind.EPOLL) {
            Prerequisites.require(EpollTransport.available(), "Netty's native epoll does not load here: " + EpollTransport.unavailableReason());
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Thread[] owner = new Thread[1];
        owner[0] = new Thread(() -> {
            try (Transport t = Transport.of(kind, owner[0])) {
                result.complete(body.apply(t));
            } catch (final Throwable e) {
                result.completeExceptionally(e);
            }
        }, "transport-test-" + kind);
        owner[0].start();
        return result.get(20, TimeUnit.SECONDS);
    }

    @FunctionalInterface
    private interface ThrowingFunction<T> {
        T apply(Transport t) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldNotSleepThroughAWakeUpThatCameJustBeforeThePoll(final TransportKind kind) throws Exception {
        // given: work arrives from another thread (flag set, then wakeup) while the owner is not yet polling
        final long elapsedMs = onOwner(kind, t -> {
            final AtomicBoolean work = new AtomicBoolean();
            final Thread submitter = new Thread(() -> {
                work.set(true);
                t.wakeup();
            });
            submitter.start();
            submitter.join();
            // when: the owner polls with a long timeout
            final long start = System.nanoTime();
            t.poll(10_000, work::get, (owner, c, ops) -> { });
            return (System.nanoTime() - start) / 1_000_000L;
        });
        // then: it returned at once instead of sleeping the 10 s through
        assertThat(elapsedMs).as("poll returned after %d ms", elapsedMs).isLessThan(5_000);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldReportARefusedConnectAsConnectionRefused(final TransportKind kind) throws Exception {
        final Throwable failure = onOwner(kind, t -> {
            final Transport.Connection c = t.open(NOWHERE, null, null);
            try {
                if (c.writeIfConnected(ByteBuffer.wrap(new byte[] {0, 0, 0, 1, 'Q'})) >= 0) {
                    return new AssertionError("a write to a closed port succeeded");
                }
                c.interest(Transport.CONNECT);
                final List<Integer> ready = new ArrayList<>();
                final long deadline = System.nanoTime() + 5_000_000_000L;
                while (ready.isEmpty() && System.nanoTime() < deadline) {
                    t.poll(100, () -> false, (owner, conn, ops) -> ready.add(ops));
                }
                assertThat(ready).containsExactly(Transport.CONNECT);
                return catchThrowable(c::finishConnect);
            } catch (final IOException e) {
                return e; // refused already at the first write
            } finally {
                c.close();
            }
        });
        assertThat(failure).isInstanceOf(TransportException.class);
        assertThat(((TransportException) failure).errnoClass()).isEqualTo(ErrnoClass.REFUSED);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldReportNoLocalPortWhenTheSourceAddressIsNotOnThisHost(final TransportKind kind) throws Exception {
        // given: a source address of TEST-NET-1 that no interface here has (bind fails before any packet)
        final InetAddress foreign = InetAddress.getByName("192.0.2.1");
        // when
        final Throwable failure = onOwner(kind, t -> catchThrowable(() -> t.open(NOWHERE, foreign, null).close()));
        // then
        assertThat(failure).isInstanceOf(TransportException.class);
        assertThat(((TransportException) failure).errnoClass()).as(failure.toString()).isEqualTo(ErrnoClass.NO_LOCAL_PORT);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldReportResetWhenThePeerAbortsTheConnection(final TransportKind kind) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            // given: a peer that reads the first message, then aborts (SO_LINGER 0: an RST, not a FIN)
            final CompletableFuture<Void> aborted = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().readNBytes(4);
                    s.setSoLinger(true, 0);
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // when: we read the answer
            final Throwable failure = onOwner(kind, t -> {
                final Transport.Connection c = t.open((InetSocketAddress) server.getLocalSocketAddress(), null, null);
                try {
                    writeFirst(t, c, "PING");
                    aborted.get(5, TimeUnit.SECONDS);
                    c.interest(Transport.READ);
                    pollUntil(t, Transport.READ);
                    return catchThrowable(() -> c.read(new byte[16], 0, 16));
                } finally {
                    c.close();
                }
            });
            // then
            assertThat(failure).isInstanceOf(TransportException.class);
            assertThat(((TransportException) failure).errnoClass()).as(failure.toString()).isEqualTo(ErrnoClass.RESET);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldWriteAtOnceReadTheAnswerAndSeeTheEndOfStream(final TransportKind kind) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            final CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    final byte[] b = in.readNBytes(4);
                    out.write("PONG".getBytes(StandardCharsets.US_ASCII));
                    return new String(b, StandardCharsets.US_ASCII);
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            final String answer = onOwner(kind, t -> {
                final Transport.Connection c = t.open((InetSocketAddress) server.getLocalSocketAddress(), null, null);
                try {
                    assertThat(writeFirst(t, c, "PING")).isEqualTo(4);
                    c.interest(Transport.READ);
                    final byte[] in = new byte[16];
                    int len = 0;
                    int r = 0;
                    while (r >= 0) {
                        pollUntil(t, Transport.READ);
                        r = c.read(in, len, in.length - len);
                        len += Math.max(r, 0);
                    }
                    return new String(in, 0, len, StandardCharsets.US_ASCII);
                } finally {
                    c.close();
                }
            });
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("PING");
            assertThat(answer).isEqualTo("PONG");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"EPOLL", "NIO"})
    void shouldDeliverTheLastBytesThenTheEndOfStreamOnClose(final TransportKind kind) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    return in.readAllBytes(); // everything up to the end of stream
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            final boolean corked = onOwner(kind, t -> {
                final Transport.Connection c = t.open((InetSocketAddress) server.getLocalSocketAddress(), null, null);
                try {
                    assertThat(writeFirst(t, c, "PING")).isEqualTo(4);
                    // when: the QUIT goes as the last bytes of the conversation
                    assertThat(c.writeLast(ByteBuffer.wrap(MilterProtocol.quit()))).isEqualTo(5);
                    return c instanceof EpollTransport.EpollConnection e && e.corked();
                } finally {
                    c.close();
                }
            });
            // then: the peer gets the PING, the QUIT and then the end of stream; on epoll the QUIT
            // waited for the close (corked), so that it left in the FIN's segment
            final ByteBuffer expected = ByteBuffer.allocate(9).put("PING".getBytes(StandardCharsets.US_ASCII)).put(MilterProtocol.quit());
            assertThat(received.get(5, TimeUnit.SECONDS)).containsExactly(expected.array());
            assertThat(corked).isEqualTo(kind == TransportKind.EPOLL);
        }
    }

    /** Writes the first message as the reactor does: at once if connected, else after CONNECT readiness. */
    private static int writeFirst(final Transport t, final Transport.Connection c, final String text) throws IOException {
        final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        final int n = c.writeIfConnected(bytes);
        if (n >= 0) {
            return n;
        }
        c.interest(Transport.CONNECT);
        pollUntil(t, Transport.CONNECT);
        assertThat(c.finishConnect()).isTrue();
        return c.write(bytes);
    }

    private static void pollUntil(final Transport t, final int wanted) throws IOException {
        final List<Integer> ready = new ArrayList<>();
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!ready.contains(wanted)) {
            assertThat(System.nanoTime()).as("readiness %d within 5 s", wanted).isLessThan(deadline);
            t.poll(100, () -> false, (owner, conn, ops) -> ready.add(ops));
        }
    }
}
