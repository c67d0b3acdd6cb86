package io.milterwatch.worker.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sendmail-milter OPTNEG handshake against one ip:port, as a real MTA opens it: the 17-byte
 * version-6 offer with full action and protocol masks, then the reply read in a loop (replies may
 * come in several writes) until the frame is complete, proved not to be a milter, or the deadline
 * passes. A milter is closed politely with SMFIC_QUIT. Every read is bounded in bytes (one frame of
 * at most 65,540) and in time.
 */
public final class MilterProber {

    private static final Logger LOG = LoggerFactory.getLogger(MilterProber.class);
    private static final int MAX_READ = MilterProtocol.MAX_FRAME_LENGTH + 4;

    private final ProbeTimeouts timeouts;

    public MilterProber(final ProbeTimeouts timeouts) {
        this.timeouts = timeouts;
    }

    public ProbeOutcome probe(final InetSocketAddress address) {
        final long start = System.nanoTime();
        final byte[] offer = MilterProtocol.optnegV6();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            // Reset instead of lingering in TIME_WAIT is not polite; a normal close is.
            try {
                socket.connect(address, timeouts.connectMs());
            } catch (final SocketTimeoutException e) {
                return outcome(Outcome.FILTERED, "no answer to the connect within " + timeouts.connectMs() + " ms", null, null, start);
            } catch (final NoRouteToHostException e) {
                return outcome(Outcome.FILTERED, "no route to host (administratively prohibited or unreachable): " + e.getMessage(),
                        null, null, start);
            } catch (final ConnectException | PortUnreachableException e) {
                return outcome(Outcome.CLOSED, "connection refused", null, null, start);
            }
            final Long connectMs = elapsedMs(start);
            final long connected = System.nanoTime();
            final long deadline = connected + timeouts.replyMs() * 1_000_000L;
            final OutputStream out = socket.getOutputStream();
            final InputStream in = socket.getInputStream();
            final byte[] buf = new byte[MAX_READ];
            int len = 0;
            Long firstByteMs = null;
            try {
                out.write(offer);
                out.flush();
                while (true) {
                    final long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        return silentOrPartial(len, buf, connectMs, firstByteMs, start);
                    }
                    socket.setSoTimeout((int) Math.max(1, left));
                    final int n;
                    try {
                        n = in.read(buf, len, buf.length - len);
                    } catch (final SocketTimeoutException e) {
                        return silentOrPartial(len, buf, connectMs, firstByteMs, start);
                    }
                    if (n < 0) {
                        if (len == 0) {
                            return outcome(Outcome.OPEN_SILENT, "accepted the connection, then closed it without answering the v6 offer",
                                    connectMs, null, start);
                        }
                        return other(null, "short read: " + len + " bytes, then the peer closed", MilterReply.escape(buf, len),
                                connectMs, firstByteMs, start);
                    }
                    if (firstByteMs == null) {
                        firstByteMs = (System.nanoTime() - connected) / 1_000_000L;
                    }
                    len += n;
                    final MilterReply.Verdict verdict = MilterReply.judge(buf, len, offer);
                    if (verdict instanceof MilterReply.Milter m) {
                        quitPolitely(out);
                        return milter(m, address.getPort(), connectMs, firstByteMs, start);
                    }
                    if (verdict instanceof MilterReply.NotMilter not) {
                        return other(not.kind(), not.reason(), not.banner(), connectMs, firstByteMs, start);
                    }
                    if (len == buf.length) {
                        return other(null, "reply exceeded " + buf.length + " bytes", MilterReply.escape(buf, len), connectMs,
                                firstByteMs, start);
                    }
                }
            } catch (final SocketException e) {
                if (len == 0) {
                    return outcome(Outcome.CLOSED, "connection reset after connect: " + e.getMessage(), connectMs, null, start);
                }
                return other(null, "connection reset mid-reply after " + len + " bytes", MilterReply.escape(buf, len), connectMs,
                        firstByteMs, start);
            }
        } catch (final IOException e) {
            LOG.debug("probe of {} failed", address, e);
            return outcome(Outcome.ERROR, "local I/O error: " + e.getMessage(), null, null, start);
        }
    }

    private static void quitPolitely(final OutputStream out) {
        try {
            out.write(MilterProtocol.quit());
            out.flush();
        } catch (final IOException e) {
            // The milter may already have closed; the verdict stands.
            LOG.debug("QUIT not delivered: {}", e.getMessage());
        }
    }

    private ProbeOutcome silentOrPartial(final int len, final byte[] buf, final Long connectMs, final Long firstByteMs, final long start) {
        if (len == 0) {
            return outcome(Outcome.OPEN_SILENT, "accepted the connection but sent nothing within " + timeouts.replyMs() + " ms",
                    connectMs, null, start);
        }
        return other(null, "incomplete reply: " + len + " bytes, then silence", MilterReply.escape(buf, len), connectMs, firstByteMs,
                start);
    }

    private static ProbeOutcome milter(final MilterReply.Milter m, final int port, final Long connectMs, final Long firstByteMs,
            final long start) {
        final MilterHandshake handshake = MilterHandshake.newBuilder()
                .setVersion(m.version()).setActions(m.actions()).setProtocol(m.protocol())
                .setSymbols(m.symbols()).setOfferedVersion(6).setReplyLength(m.frameLength()).build();
        final ProductHint hint = ProductHint.of(m, port);
        return new ProbeOutcome(Outcome.MILTER, handshake, hint.product(), hint.reason(), null, null, connectMs, firstByteMs,
                elapsedMs(start));
    }

    private static ProbeOutcome other(final String kind, final String reason, final String banner, final Long connectMs,
            final Long firstByteMs, final long start) {
        return new ProbeOutcome(Outcome.OTHER_SERVICE, null, kind, kind == null ? null : "first bytes of the reply", banner, reason,
                connectMs, firstByteMs, elapsedMs(start));
    }

    private static ProbeOutcome outcome(final Outcome outcome, final String detail, final Long connectMs, final Long firstByteMs,
            final long start) {
        return new ProbeOutcome(outcome, null, null, null, null, detail, connectMs, firstByteMs, elapsedMs(start));
    }

    private static long elapsedMs(final long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }
}
