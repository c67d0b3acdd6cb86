package io.milterwatch.worker.probe;

/** Which socket layer the probe engine uses ({@code worker.transport}). */
public enum TransportKind {
    /** epoll where Netty's native library loads (Linux x86_64 and aarch64), Java NIO elsewhere. */
    AUTO,
    /** Netty's native epoll: the fewest system calls per connection. Linux only. */
    EPOLL,
    /** Java NIO: everywhere, more system calls per connection. */
    NIO;

    /** The transport this choice means on this machine: AUTO resolved, EPOLL refused where it cannot load. */
    public TransportKind resolve() {
        if (this == AUTO) {
            return EpollTransport.available() ? EPOLL : NIO;
        }
        if (this == EPOLL && !EpollTransport.available()) {
            throw new IllegalStateException("worker.transport=epoll, but Netty's native epoll does not load here: "
                    + EpollTransport.unavailableReason() + "; use auto or nio");
        }
        return this;
    }
}
