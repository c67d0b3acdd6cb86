package io.milterwatch.worker.probe;

import java.io.IOException;

/**
 * A failed socket call of a {@link Transport}, typed by its {@link ErrnoClass}. The message is
 * for people (logs, a probe's detail); code decides by {@link #errnoClass()} only.
 */
final class TransportException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient ErrnoClass errnoClass;

    TransportException(final ErrnoClass errnoClass, final String message, final Throwable cause) {
        super(message, cause);
        this.errnoClass = errnoClass;
    }

    ErrnoClass errnoClass() {
        return errnoClass;
    }

    /** The class of any failure a transport threw: OTHER for one it did not sort. */
    static ErrnoClass classOf(final IOException e) {
        return e instanceof TransportException t ? t.errnoClass : ErrnoClass.OTHER;
    }
}
