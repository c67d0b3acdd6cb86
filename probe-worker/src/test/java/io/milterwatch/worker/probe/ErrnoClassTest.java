package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

import io.netty.channel.unix.Errors;
import io.milterwatch.testing.Prerequisites;
import org.junit.jupiter.api.Test;

/** How the transports sort the system's failures into errno classes, without sockets. */
class ErrnoClassTest {

    @Test
    void shouldSortEveryErrnoAProbeMeetsIntoItsClass() {
        assertThat(ErrnoClass.ofErrno(ErrnoClass.ECONNREFUSED)).isEqualTo(ErrnoClass.REFUSED);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EHOSTUNREACH)).isEqualTo(ErrnoClass.UNREACHABLE);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.ENETUNREACH)).isEqualTo(ErrnoClass.UNREACHABLE);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EACCES)).isEqualTo(ErrnoClass.PROHIBITED);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EPERM)).isEqualTo(ErrnoClass.PROHIBITED);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.ETIMEDOUT)).isEqualTo(ErrnoClass.TIMED_OUT);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EADDRNOTAVAIL)).isEqualTo(ErrnoClass.NO_LOCAL_PORT);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EMFILE)).isEqualTo(ErrnoClass.NO_DESCRIPTORS);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.ECONNRESET)).isEqualTo(ErrnoClass.RESET);
        assertThat(ErrnoClass.ofErrno(ErrnoClass.EPIPE)).isEqualTo(ErrnoClass.RESET);
        assertThat(ErrnoClass.ofErrno(5 /* EIO */)).isEqualTo(ErrnoClass.OTHER);
        assertThat(ErrnoClass.errnoName(5)).isEqualTo("errno 5");
    }

    @Test
    void shouldSortNettysFailuresByTheErrnoTheyCarry() {
        Prerequisites.require(EpollTransport.available(), "Netty's native epoll does not load here: " + EpollTransport.unavailableReason());
        // the exceptions Netty itself builds for a failed write, a failed connect(2) and an unreachable host
        final IOException refusedWrite = Errors.newIOException("write", Errors.ERROR_ECONNREFUSED_NEGATIVE);
        final IOException resetRead = Errors.newConnectionResetException("read", Errors.ERRNO_ECONNRESET_NEGATIVE);
        IOException permConnect = null;
        try {
            Errors.throwConnectException("connect", -ErrnoClass.EPERM);
        } catch (final IOException e) {
            permConnect = e;
        }
        IOException unreachable = null;
        try {
            Errors.throwConnectException("connect", Errors.ERROR_EHOSTUNREACH_NEGATIVE);
        } catch (final IOException e) {
            unreachable = e;
        }
        assertThat(EpollTransport.typed("write", refusedWrite).errnoClass()).isEqualTo(ErrnoClass.REFUSED);
        assertThat(EpollTransport.typed("read", resetRead).errnoClass()).isEqualTo(ErrnoClass.RESET);
        assertThat(EpollTransport.typed("connect", permConnect).errnoClass()).isEqualTo(ErrnoClass.PROHIBITED);
        assertThat(EpollTransport.typed("connect", unreachable).errnoClass()).isEqualTo(ErrnoClass.UNREACHABLE);
        assertThat(EpollTransport.typed("connect", new IOException("something else")).errnoClass()).isEqualTo(ErrnoClass.OTHER);
        assertThat(EpollTransport.nettyErrno("connect(..) failed with error(-99): Cannot assign requested address")).isEqualTo(99);
        assertThat(EpollTransport.nettyErrno("no number here")).isZero();
    }

    @Test
    void shouldSortNiosFailuresByTypeAndTheErrnoTheirTextStandsFor() {
        assertThat(NioTransport.typed("connect", new ConnectException("Connection refused")).errnoClass()).isEqualTo(ErrnoClass.REFUSED);
        assertThat(NioTransport.typed("connect", new ConnectException("Connection timed out")).errnoClass()).isEqualTo(ErrnoClass.TIMED_OUT);
        assertThat(NioTransport.typed("connect", new NoRouteToHostException("No route to host")).errnoClass())
                .isEqualTo(ErrnoClass.UNREACHABLE);
        assertThat(NioTransport.typed("bind", new BindException("Cannot assign requested address")).errnoClass())
                .isEqualTo(ErrnoClass.NO_LOCAL_PORT);
        assertThat(NioTransport.typed("connect", new BindException("Permission denied")).errnoClass()).isEqualTo(ErrnoClass.PROHIBITED);
        assertThat(NioTransport.typed("connect", new SocketException("Network is unreachable")).errnoClass())
                .isEqualTo(ErrnoClass.UNREACHABLE);
        assertThat(NioTransport.typed("connect", new SocketException("Operation not permitted")).errnoClass())
                .isEqualTo(ErrnoClass.PROHIBITED);
        assertThat(NioTransport.typed("socket", new SocketException("Too many open files")).errnoClass())
                .isEqualTo(ErrnoClass.NO_DESCRIPTORS);
        assertThat(NioTransport.typed("read", new SocketException("Connection reset")).errnoClass()).isEqualTo(ErrnoClass.RESET);
        assertThat(NioTransport.typed("write", new IOException("Broken pipe")).errnoClass()).isEqualTo(ErrnoClass.RESET);
        assertThat(NioTransport.typed("read", new IOException("Input/output error")).errnoClass()).isEqualTo(ErrnoClass.OTHER);
    }
}
