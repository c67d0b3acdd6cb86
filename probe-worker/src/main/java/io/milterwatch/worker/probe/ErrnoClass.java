package io.milterwatch.worker.probe;

/**
 * What a failed socket call means for a probe, as a class of the system's error numbers. The
 * transports sort their failures into these (epoll by the errno Netty carries, NIO by the JDK's
 * exception types); the probe decision ({@link HandshakeClassifier}) judges only the class.
 */
public enum ErrnoClass {
    /** ECONNREFUSED: an RST or an ICMP port unreachable answered the SYN. */
    REFUSED,
    /** EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENONET, ENOPROTOOPT: an ICMP unreachable answer, or no route on this worker. */
    UNREACHABLE,
    /** EACCES, EPERM: an ICMP administratively prohibited answer (IPv6), or a firewall rule on this worker's host. */
    PROHIBITED,
    /** ETIMEDOUT: the kernel gave up on the connect (SYN retries exhausted). */
    TIMED_OUT,
    /** EADDRNOTAVAIL, EADDRINUSE, EAGAIN on connect: no local port or source address left. */
    NO_LOCAL_PORT,
    /** EMFILE, ENFILE: no file descriptor left. */
    NO_DESCRIPTORS,
    /** ECONNRESET, EPIPE: an established connection was reset or closed under a write. */
    RESET,
    /** Anything else: a local error, never a verdict on the target. */
    OTHER;

    /** Linux errno numbers (asm-generic/errno*.h; the same on x86_64 and aarch64, where epoll loads). */
    static final int EPERM = 1;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int ENONET = 64;
    static final int ENOPROTOOPT = 92;
    static final int EADDRINUSE = 98;
    static final int EADDRNOTAVAIL = 99;
    static final int ENETUNREACH = 101;
    static final int ECONNRESET = 104;
    static final int ETIMEDOUT = 110;
    static final int ECONNREFUSED = 111;
    static final int EHOSTDOWN = 112;
    static final int EHOSTUNREACH = 113;

    /** The class of a (positive) Linux errno. */
    static ErrnoClass ofErrno(final int errno) {
        return switch (errno) {
            case ECONNREFUSED -> REFUSED;
            case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENONET, ENOPROTOOPT -> UNREACHABLE;
            case EACCES, EPERM -> PROHIBITED;
            case ETIMEDOUT -> TIMED_OUT;
            case EADDRNOTAVAIL, EADDRINUSE, EAGAIN -> NO_LOCAL_PORT;
            case EMFILE, ENFILE -> NO_DESCRIPTORS;
            case ECONNRESET, EPIPE -> RESET;
            default -> OTHER;
        };
    }

    /** The symbolic name of a (positive) Linux errno this enum knows, else {@code errno N}. */
    static String errnoName(final int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case EAGAIN -> "EAGAIN";
            case EACCES -> "EACCES";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case EPIPE -> "EPIPE";
            case ENONET -> "ENONET";
            case ENOPROTOOPT -> "ENOPROTOOPT";
            case EADDRINUSE -> "EADDRINUSE";
            case EADDRNOTAVAIL -> "EADDRNOTAVAIL";
            case ENETUNREACH -> "ENETUNREACH";
            case ECONNRESET -> "ECONNRESET";
            case ETIMEDOUT -> "ETIMEDOUT";
            case ECONNREFUSED -> "ECONNREFUSED";
            case EHOSTDOWN -> "EHOSTDOWN";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }
}
