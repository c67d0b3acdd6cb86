package io.milterwatch.worker.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.channel.ChannelException;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux epoll through Netty's native transport, without Netty's channels: the engine's reactor
 * thread drives an {@link EpollIoHandler} and registers its own handles. A handshake costs the
 * system calls a C client makes: socket (non-blocking at once), connect, write (which also tells
 * whether the connect is done), epoll_ctl, read, write, close; epoll_wait is shared by every
 * connection ready at the same time.
 *
 * <p>Closing: a socket closed by the reactor while the events of one epoll_wait are handed out is
 * only closed after that batch, so that its descriptor number cannot be taken by a new socket and
 * receive the old socket's event. Closed before its registration is cancelled, it needs no
 * epoll_ctl removal (the kernel drops it with the descriptor).
 */
final class EpollTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(EpollTransport.class);
    private static final int OUT = EpollIoOps.EPOLLOUT.value();
    private static final int IN = EpollIoOps.EPOLLIN.value();
    private static final int ERR_HUP = EpollIoOps.EPOLLERR.value() | 0x010 /* EPOLLHUP */ | EpollIoOps.EPOLLRDHUP.value();
    private static final int BUFFER = 16 * 1024;
    /** Linux's IPPROTO_TCP and TCP_CORK (netinet/tcp.h). */
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_CORK = 3;
    /** Deadlines are rounded up to this many nanoseconds (~4 ms), so the timerfd is rearmed seldom. */
    private static final long DEADLINE_GRAIN = 1L << 22;

    private final Thread owner;
    private final IoHandler handler;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER);
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(BUFFER);
    private final List<EpollConnection> closeAfterBatch = new ArrayList<>();
    private boolean inBatch;
    private Ready sink;
    private java.util.function.BooleanSupplier stayAwake;
    private long deadline;
    private boolean canBlock;
    /** Thrown while events were handed out: Netty's loop would log it and sleep a second, so it is kept and rethrown. */
    private Throwable failure;
    private volatile boolean closed;

    static boolean available() {
        return Epoll.isAvailable();
    }

    static String unavailableReason() {
        final Throwable t = Epoll.unavailabilityCause();
        return t == null ? "available" : t.toString();
    }

    EpollTransport(final Thread owner) throws IOException {
        this.owner = owner;
        if (!Epoll.isAvailable()) {
            throw new IOException("Netty's native epoll does not load here: " + unavailableReason());
        }
        final ThreadAwareExecutor executor = new ThreadAwareExecutor() {
            @Override
            public boolean isExecutorThread(final Thread thread) {
                return thread == EpollTransport.this.owner;
            }

            @Override
            public void execute(final Runnable task) {
                tasks.add(task);
                wakeup();
            }
        };
        this.handler = EpollIoHandler.newFactory().newHandler(executor);
        handler.initialize();
    }

    final class EpollConnection implements Connection, EpollIoHandle {
        final Session owner;
        final LinuxSocket socket;
        IoRegistration registration;
        int interest;
        boolean open = true;

        EpollConnection(final Session owner, final LinuxSocket socket) {
            this.owner = owner;
            this.socket = socket;
        }

        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(final IoRegistration reg, final IoEvent event) {
            if (!open) {
                return;
            }
            final int ev = ((EpollIoEvent) event).ops().value();
            final int ready = switch (interest) {
                case CONNECT -> (ev & (OUT | ERR_HUP)) != 0 ? CONNECT : 0;
                case WRITE -> (ev & (OUT | ERR_HUP)) != 0 ? WRITE : 0;
                case READ -> (ev & (IN | ERR_HUP)) != 0 ? READ : 0;
                default -> 0;
            };
            if (ready == 0) {
                return;
            }
            try {
                sink.ready(owner, this, ready);
            } catch (final Throwable t) {
                if (failure == null) {
                    failure = t;
                } else {
                    failure.addSuppressed(t);
                }
            }
        }

        @Override
        public int writeIfConnected(final ByteBuffer src) throws IOException {
            // On a socket still connecting, write() fails with EAGAIN (0 here); once connected it
            // sends; a refused connect fails it with ECONNREFUSED. One call instead of a poll.
            final int n = write(src);
            return n > 0 ? n : src.hasRemaining() ? -1 : 0;
        }

        @Override
        public boolean selfConnected() throws IOException {
            try {
                return java.util.Objects.equals(socket.localAddress(), socket.remoteAddress());
            } catch (final RuntimeException e) {
                throw unchecked("getsockname", e);
            }
        }

        @Override
        public boolean finishConnect() throws IOException {
            // Only asked after EPOLLOUT/EPOLLERR for this very socket (see the class comment):
            // SO_ERROR 0 then means connected.
            // SO_ERROR is what Netty's finishConnect reads too (one getsockopt), but as the errno itself.
            final int err;
            try {
                err = socket.getSoError();
            } catch (final IOException e) {
                throw typed("getsockopt(SO_ERROR)", e);
            } catch (final RuntimeException e) {
                throw unchecked("getsockopt(SO_ERROR)", e);
            }
            if (err != 0) {
                throw new TransportException(ErrnoClass.ofErrno(err), "connect failed: " + ErrnoClass.errnoName(err), null);
            }
            return true;
        }

        @Override
        public int write(final ByteBuffer src) throws IOException {
            final int n = Math.min(src.remaining(), BUFFER);
            writeBuffer.clear();
            writeBuffer.put(0, src.array(), src.arrayOffset() + src.position(), n);
            try {
                final int w = socket.write(writeBuffer, 0, n);
                src.position(src.position() + w);
                return w;
            } catch (final IOException e) {
                throw typed("write", e);
            } catch (final RuntimeException e) {
                throw unchecked("write", e);
            }
        }

        @Override
        public int writeLast(final ByteBuffer src) throws IOException {
            // Corked, the bytes wait for the close, whose FIN then rides in the same segment: one
            // packet less per probe, and no tail-loss probe resending the FIN alone while a busy
            // milter has yet to answer the QUIT (a third of all handshakes in the benchmark did).
            try {
                socket.setIntOpt(IPPROTO_TCP, TCP_CORK, 1);
            } catch (final IOException e) {
                throw typed("setsockopt(TCP_CORK)", e);
            }
            return write(src);
        }

        /** Whether the socket holds back partial segments (after {@link #writeLast}). */
        boolean corked() throws IOException {
            return socket.getIntOpt(IPPROTO_TCP, TCP_CORK) != 0;
        }

        @Override
        public int read(final byte[] dst, final int off, final int len) throws IOException {
            try {
                final int n = socket.read(readBuffer, 0, Math.min(len, BUFFER));
                if (n > 0) {
                    readBuffer.get(0, dst, off, n);
                }
                return n;
            } catch (final IOException e) {
                throw typed("read", e);
            } catch (final RuntimeException e) {
                throw unchecked("read", e);
            }
        }

        @Override
        public void interest(final int ops) throws IOException {
            final boolean sameEpollOps = (ops == READ) == (interest == READ) && interest != 0;
            interest = ops;
            if (sameEpollOps) {
                return; // CONNECT and WRITE both wait for EPOLLOUT
            }
            final EpollIoOps epoll = ops == READ ? EpollIoOps.EPOLLIN : EpollIoOps.EPOLLOUT;
            try {
                if (registration == null) {
                    registration = handler.register(this);
                }
                registration.submit(epoll);
            } catch (final java.io.UncheckedIOException e) {
                throw typed("epoll_ctl", e.getCause());
            } catch (final IOException e) {
                throw typed("epoll_ctl", e);
            } catch (final Exception e) {
                throw new IOException("epoll registration failed: " + e, e);
            }
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            if (inBatch) {
                closeAfterBatch.add(this);
            } else {
                closeNow();
            }
        }

        /** The descriptor first (the kernel then drops it from epoll), then the registration. */
        void closeNow() {
            try {
                socket.close();
            } catch (final IOException e) {
                LOG.debug("closing {}: {}", socket, e.toString());
            }
            if (registration != null) {
                registration.cancel();
            }
        }
    }

    @Override
    public Connection open(final InetSocketAddress target, final InetAddress source, final Session owner) throws IOException {
        final LinuxSocket socket;
        try {
            socket = LinuxSocket.newSocketStream(target.getAddress() instanceof Inet4Address
                    ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6);
        } catch (final ChannelException e) {
            throw e.getCause() instanceof IOException io ? typed("socket", io) : new TransportException(ErrnoClass.OTHER,
                    "socket failed: " + e.getMessage(), e);
        }
        final EpollConnection c = new EpollConnection(owner, socket);
        try {
            if (source != null) {
                socket.bind(new InetSocketAddress(source, 0));
            }
            socket.connect(target);
            return c;
        } catch (final IOException e) {
            c.closeNow();
            throw typed(source != null && e instanceof Errors.NativeIoException ? "bind" : "connect", e);
        } catch (final RuntimeException e) {
            c.closeNow();
            throw e;
        }
    }

    private final IoHandlerContext context = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            // Netty asks again after publishing its wake-up deadline: a wake-up that came before
            // that found nothing to wake, so the reactor's own state must say so here.
            return canBlock && tasks.isEmpty() && !stayAwake.getAsBoolean();
        }

        @Override
        public long delayNanos(final long now) {
            return Math.max(0, deadline - now);
        }

        @Override
        public long deadlineNanos() {
            return deadline;
        }
    };

    @Override
    public void poll(final long timeoutMillis, final java.util.function.BooleanSupplier awake, final Ready readySink)
            throws IOException {
        runTasks();
        this.sink = readySink;
        this.stayAwake = awake;
        this.canBlock = timeoutMillis != 0;
        if (canBlock) {
            final long at = System.nanoTime() + timeoutMillis * 1_000_000L;
            deadline = (at + DEADLINE_GRAIN - 1) & -DEADLINE_GRAIN;
        }
        inBatch = true;
        try {
            handler.run(context);
        } finally {
            inBatch = false;
            for (final EpollConnection c : closeAfterBatch) {
                c.closeNow();
            }
            closeAfterBatch.clear();
        }
        runTasks();
        final Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof IOException io) {
                throw io;
            }
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Netty's unchecked I/O exceptions (NotYetConnectedException, ChannelException, ...) as the IOException they mean. */
    private static IOException unchecked(final String call, final RuntimeException e) {
        return new IOException(call + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    private void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    @Override
    public void wakeup() {
        if (closed) {
            return;
        }
        try {
            handler.wakeup();
        } catch (final RuntimeException e) {
            // closed meanwhile by the reactor thread: nothing left to wake
            if (!closed) {
                throw e;
            }
        }
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        handler.prepareToDestroy();
        runTasks();
        handler.destroy();
    }

    /**
     * Netty's failure as the errno class it means. Netty carries the errno in a
     * {@link Errors.NativeIoException} (socket, bind, read, write, setsockopt); a failed connect(2)
     * comes as a {@link NoRouteToHostException} (EHOSTUNREACH, ENETUNREACH), or as a plain
     * {@link ConnectException} whose only record of the errno is the number Netty prints into it
     * ({@code "connect(..) failed with error(-111): ..."}): that number is read, never the text.
     */
    static TransportException typed(final String call, final IOException e) {
        if (e instanceof TransportException t) {
            return t;
        }
        int errno = 0;
        if (e instanceof Errors.NativeIoException n) {
            errno = -n.expectedErr();
        } else if (e instanceof NoRouteToHostException) {
            return new TransportException(ErrnoClass.UNREACHABLE, call + " failed: EHOSTUNREACH or ENETUNREACH", e);
        } else if (e instanceof ConnectException && e.getMessage() != null) {
            errno = nettyErrno(e.getMessage());
        }
        if (errno <= 0) {
            return new TransportException(ErrnoClass.OTHER, call + " failed: " + e, e);
        }
        return new TransportException(ErrnoClass.ofErrno(errno), call + " failed: " + ErrnoClass.errnoName(errno), e);
    }

    /** The errno of Netty's {@code "...failed with error(-N)..."}, positive, or 0 when there is none. */
    static int nettyErrno(final String message) {
        final int at = message.indexOf("error(-");
        if (at < 0) {
            return 0;
        }
        int errno = 0;
        for (int i = at + "error(-".length(); i < message.length() && Character.isDigit(message.charAt(i)); i++) {
            errno = errno * 10 + (message.charAt(i) - '0');
            if (errno > 100_000) {
                return 0;
            }
        }
        return errno;
    }
}
