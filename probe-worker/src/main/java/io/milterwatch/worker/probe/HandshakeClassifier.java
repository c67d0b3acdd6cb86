package io.milterwatch.worker.probe;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;

/**
 * How a probe decides: the handshake decision tree of one ip:port probe as a pure state machine
 * (the sans-I/O pattern of STYLE.md). It is fed what happened (reply bytes, the end of a stage,
 * a connect failure by its {@link ErrnoClass}) and answers the next {@link Step}: open a new
 * connection with a request, send more on this one, wait for more bytes, or a {@link Verdict}.
 * No sockets, no clocks, no threads; {@link Reactor} moves the bytes and keeps the deadlines.
 *
 * <p>The tree: a milter port gets the version-6 SMFIC_OPTNEG, then the version-2 offer if v6 met
 * silence, then AXIMilter's {@code PING}; an AXIMilter-first port starts with {@code PING}. A text
 * line to a binary offer moves to the AXIMilter handshake; any line to {@code PING}, PONG included,
 * is followed by the Tenable 30105 envelope, and only its URL-encoded {@code ERROR:} answer
 * identifies AXIMilter (PONG alone is no fingerprint: ClamAV's clamd and Redis answer PING too). A
 * port that pongs and then closes on the envelope, as clamd does after every command, is asked
 * clamd's read-only {@code VERSION} on a new connection so that the product can be named.
 */
final class HandshakeClassifier {

    /** The bounds the decision mentions in its reasons and applies to reply sizes. */
    record Limits(int connectMs, int replyMs, int maxReplyBytes) {

        static Limits of(final EngineConfig config) {
            return new Limits(config.timeouts().connectMs(), config.timeouts().replyMs(), config.maxReplyBytes());
        }
    }

    /** What the event loop does next. */
    sealed interface Step permits Connect, Send, Wait, Verdict {
    }

    /** Open a new connection (closing the current one) and send {@code request} first. */
    record Connect(Handshake handshake, byte[] request) implements Step {
    }

    /** Send {@code bytes} on the current connection: a new stage with a fresh reply deadline, the reply read anew. */
    record Send(byte[] bytes) implements Step {
    }

    /** Read on: the reply is a valid prefix so far (the stage's reply deadline bounds the wait). */
    record Wait() implements Step {
    }

    /**
     * The probe is decided.
     *
     * @param farewell bytes to send last before closing (the milter's SMFIC_QUIT), or null
     */
    record Verdict(Outcome outcome, MilterHandshake milter, String product, String productReason, String banner,
            String detail, String aximilterReply, byte[] farewell) implements Step {

        /** A verdict with nothing but a reason. */
        static Verdict of(final Outcome outcome, final String detail) {
            return new Verdict(outcome, null, null, null, null, detail, null, null);
        }

        /** A service that is no milter: the product when recognised, and the first bytes it sent. */
        static Verdict otherService(final String product, final String productReason, final String banner, final String detail) {
            return new Verdict(Outcome.OTHER_SERVICE, null, product, productReason, banner, detail, null, null);
        }
    }

    /** How a handshake stage ended when it ended without a verdict of its own. */
    enum End { SILENT, CLOSED_EMPTY, RESET_EMPTY, CLOSED_PARTIAL, SILENT_PARTIAL, RESET_PARTIAL, TOO_LONG }

    private static final byte[] OPTNEG_V6 = MilterProtocol.optnegV6();
    private static final byte[] OPTNEG_V2 = MilterProtocol.optnegV2();
    private static final byte[] PING = AxiMilterProtocol.ping();
    private static final byte[] ENVELOPE = AxiMilterProtocol.envelope();
    private static final byte[] QUIT = MilterProtocol.quit();
    private static final byte[] CLAMD_VERSION = AxiMilterProtocol.clamdVersion();
    private static final Wait WAIT = new Wait();
    private static final String AXIGEN = "AXIGEN AXIMilter";

    private final InetSocketAddress target;
    private final List<Handshake> plan;
    private final Limits limits;
    private final List<Handshake> tried = new ArrayList<>(3);
    private final List<String> notes = new ArrayList<>(3);
    private Handshake current;
    private boolean envelopeSent;
    private boolean anyConnected;
    /** PING was answered PONG: a line protocol that pongs, AXIMilter only if the envelope says so too. */
    private boolean ponged;

    HandshakeClassifier(final InetSocketAddress target, final List<Handshake> plan, final Limits limits) {
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("a probe plan needs at least one handshake");
        }
        this.target = target;
        this.plan = plan;
        this.limits = limits;
    }

    /** The first connection of the probe. */
    Connect start() {
        return begin(plan.get(0));
    }

    /** The handshake of the current connection. */
    Handshake current() {
        return current;
    }

    /** Handshakes tried so far, in order (one connection each). */
    List<Handshake> tried() {
        return tried;
    }

    /** Whether the current stage is the AXIMilter envelope (not PING). */
    boolean envelopeSent() {
        return envelopeSent;
    }

    /** A connection of this probe was established; true for its first. */
    boolean connected() {
        final boolean first = !anyConnected;
        anyConnected = true;
        return first;
    }

    private Connect begin(final Handshake handshake) {
        current = handshake;
        tried.add(handshake);
        envelopeSent = false;
        return new Connect(handshake, switch (handshake) {
            case MILTER_V6 -> OPTNEG_V6;
            case MILTER_V2 -> OPTNEG_V2;
            case AXIMILTER -> PING;
            case CLAMD_VERSION -> CLAMD_VERSION;
        });
    }

    private Handshake nextUntried() {
        for (final Handshake h : plan) {
            if (!tried.contains(h)) {
                return h;
            }
        }
        return null;
    }

    /** The reply to the current stage so far: {@code in[0..len)}, never empty. */
    Step reply(final byte[] in, final int len) {
        return switch (current) {
            case AXIMILTER -> aximilterReply(in, len);
            case CLAMD_VERSION -> clamdVersionReply(in, len);
            case MILTER_V6, MILTER_V2 -> milterReply(in, len);
        };
    }

    private Step milterReply(final byte[] in, final int len) {
        // An echo server echoes the v6 offer and is never silent to it, so the v2 retry needs no echo check; and a
        // v2 milter may well answer exactly the v2 masks it was offered.
        final MilterReply.Verdict v = MilterReply.judge(in, len, current == Handshake.MILTER_V2 ? null : OPTNEG_V6);
        if (v instanceof MilterReply.Milter m) {
            final MilterHandshake handshake = MilterHandshake.newBuilder()
                    .setVersion(m.version()).setActions(m.actions()).setProtocol(m.protocol()).setSymbols(m.symbols())
                    .setOfferedVersion(current == Handshake.MILTER_V2 ? 2 : 6).setReplyLength(m.frameLength()).build();
            final ProductHint hint = ProductHint.of(m, target.getPort());
            return new Verdict(Outcome.MILTER, handshake, hint.product(), hint.reason(), null, null, null, QUIT);
        }
        if (v instanceof MilterReply.NotMilter not) {
            final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(in, len);
            final boolean axiTried = tried.contains(Handshake.AXIMILTER);
            if (not.kind() == null && line instanceof AxiMilterProtocol.NeedMore && !axiTried) {
                return WAIT; // printable so far: wait for the end of the line (bounded by the reply deadline)
            }
            if (not.kind() == null && line instanceof AxiMilterProtocol.Text && !axiTried) {
                // A text line to a binary offer: a line protocol, maybe AXIMilter. Ask it in its own words.
                notes.add(current + ": answered a text line");
                return begin(Handshake.AXIMILTER);
            }
            return Verdict.otherService(not.kind(), not.kind() == null ? null : "first bytes of the reply", not.banner(), not.reason());
        }
        return WAIT;
    }

    private Step aximilterReply(final byte[] in, final int len) {
        final String banner = MilterReply.recogniseBanner(in, len);
        if (banner != null) {
            return Verdict.otherService(banner, "first bytes of the reply", MilterReply.escape(in, len), "reply looks like " + banner);
        }
        final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(in, len);
        if (line instanceof AxiMilterProtocol.Text t) {
            final String escaped = MilterReply.escape(t.line().getBytes(StandardCharsets.ISO_8859_1), t.line().length());
            if (envelopeSent && AxiMilterProtocol.isEnvelopeError(t.line())) {
                // What only AXIMilter does: its URL-encoded ERROR line to an envelope whose VERI path does not exist.
                return new Verdict(Outcome.AXIMILTER, null, AXIGEN, axiReason((ponged ? "answered PONG to PING and " : "")
                        + "answered the envelope with a non-existent VERI path by '" + AxiMilterProtocol.urlDecode(t.line().strip()) + "'"),
                        null, null, escaped, null);
            }
            if (!envelopeSent) {
                // A line to PING, PONG included: a line protocol. PONG alone is no fingerprint (ClamAV's clamd and
                // others answer PING too); the envelope of Tenable 30105 tells AXIMilter apart.
                ponged = AxiMilterProtocol.isPong(t.line());
                notes.add("AXIMILTER: PING answered '" + escaped + "'");
                envelopeSent = true;
                return new Send(ENVELOPE);
            }
            return Verdict.otherService(null, null, escaped, "a line protocol that answered " + (ponged ? "PONG to PING" : "PING")
                    + " but not AXIMilter's error to the envelope");
        }
        if (line instanceof AxiMilterProtocol.Binary b) {
            if (!tried.contains(Handshake.MILTER_V6)) {
                notes.add("AXIMILTER: binary reply (" + b.reason() + ")");
                return begin(Handshake.MILTER_V6);
            }
            return Verdict.otherService(null, null, MilterReply.escape(in, len),
                    "binary reply to PING that is not a milter either (" + b.reason() + ")");
        }
        if (len >= limits.maxReplyBytes()) {
            return ended(End.TOO_LONG, in, len);
        }
        return WAIT;
    }

    private Step clamdVersionReply(final byte[] in, final int len) {
        final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(in, len);
        if (line instanceof AxiMilterProtocol.Text t) {
            final String escaped = MilterReply.escape(t.line().getBytes(StandardCharsets.ISO_8859_1), t.line().length());
            if (AxiMilterProtocol.isClamdVersion(t.line())) {
                return Verdict.otherService("ClamAV clamd", "answered PONG to PING, closed on the envelope as clamd does after a"
                        + " command, and answered VERSION with '" + escaped + "'", escaped, "ClamAV's scanning daemon, not AXIMilter: "
                        + String.join("; ", notes));
            }
            return Verdict.otherService(null, null, escaped, pongedNotAximilter() + "; VERSION answered '" + escaped + "'");
        }
        if (line instanceof AxiMilterProtocol.Binary b) {
            return Verdict.otherService(null, null, MilterReply.escape(in, len), pongedNotAximilter() + "; VERSION answered binary bytes ("
                    + b.reason() + ")");
        }
        return len >= limits.maxReplyBytes() ? ended(End.TOO_LONG, in, len) : WAIT;
    }

    private String pongedNotAximilter() {
        return "answered PONG to PING but not AXIMilter's error to the envelope: not AXIMilter (ClamAV's clamd and others answer"
                + " PING too): " + String.join("; ", notes);
    }

    private String axiReason(final String how) {
        return how + " (AXIMilter's text protocol" + (target.getPort() == 1981 ? " on its default port 1981" : "") + ")";
    }

    /** The current stage ended without a verdict: {@code in[0..len)} is what it had read. */
    Step ended(final End end, final byte[] in, final int len) {
        return switch (end) {
            case SILENT, CLOSED_EMPTY, RESET_EMPTY -> {
                notes.add(current + (envelopeSent ? " (envelope)" : "") + ": " + switch (end) {
                    case SILENT -> "silent for " + limits.replyMs() + " ms";
                    case CLOSED_EMPTY -> "closed without a byte";
                    default -> "reset without a byte";
                });
                final Handshake next = current == Handshake.MILTER_V6 && !tried.contains(Handshake.MILTER_V2)
                        ? Handshake.MILTER_V2 : nextUntried();
                if (current == Handshake.CLAMD_VERSION) {
                    yield Verdict.of(Outcome.OTHER_SERVICE, pongedNotAximilter());
                }
                if (envelopeSent && ponged && end != End.SILENT) {
                    // PONG, then the connection ended on the envelope: what clamd does after every command outside a
                    // session. Its read-only VERSION names it.
                    yield begin(Handshake.CLAMD_VERSION);
                }
                if (envelopeSent) {
                    // PING got a line, the envelope got nothing: a line protocol, not AXIMilter.
                    yield Verdict.of(Outcome.OTHER_SERVICE, "answered PING with a line but not the envelope; " + String.join("; ", notes));
                }
                if (next == null) {
                    yield Verdict.of(Outcome.OPEN_SILENT, "accepted connections but answered no handshake: " + String.join("; ", notes));
                }
                yield begin(next);
            }
            case CLOSED_PARTIAL, SILENT_PARTIAL, RESET_PARTIAL -> Verdict.otherService(null, null, MilterReply.escape(in, len),
                    "incomplete reply to " + current + ": " + len + " bytes, then "
                            + (end == End.CLOSED_PARTIAL ? "the peer closed" : end == End.RESET_PARTIAL ? "a reset"
                                    : "silence until the " + limits.replyMs() + " ms reply timeout"));
            case TOO_LONG -> Verdict.otherService(null, null, MilterReply.escape(in, len), "reply to " + current + " exceeded "
                    + limits.maxReplyBytes() + " bytes (worker.reply.max.bytes) without a verdict");
        };
    }

    /** The connect of the current attempt met no answer within the connect timeout. */
    Verdict connectTimedOut() {
        if (!anyConnected) {
            return Verdict.of(Outcome.FILTERED, "no answer to the connect within " + limits.connectMs()
                    + " ms (worker.connect.timeout.ms): dropped by a firewall or no host");
        }
        return connectFailed(ErrnoClass.TIMED_OUT, "connect timed out after " + limits.connectMs() + " ms");
    }

    /**
     * The connect of the current attempt met itself: on loopback, a port nothing listens on can be
     * "connected" to when the kernel picks that very port as the local one (TCP simultaneous open),
     * and the probe would talk to its own socket. Nothing listens there.
     */
    Verdict selfConnected() {
        if (anyConnected) {
            return connectFailed(ErrnoClass.REFUSED, "the connection met itself (TCP self-connect): nothing listens any more");
        }
        return Verdict.of(Outcome.CLOSED, "nothing listens: the connection met itself (a TCP self-connect on loopback, the local port "
                + "the kernel chose was the port probed)");
    }

    /**
     * The connect of the current attempt failed.
     *
     * @param error what the transport said it means
     * @param text  the transport's words for it, quoted in the reason
     */
    Verdict connectFailed(final ErrnoClass error, final String text) {
        if (anyConnected && current == Handshake.CLAMD_VERSION) {
            notes.add(current + ": the new connection failed (" + text + ")");
            return Verdict.of(Outcome.OTHER_SERVICE, pongedNotAximilter());
        }
        if (anyConnected) {
            // The port answered an earlier connection silently and now refuses or times out.
            notes.add(current + ": the new connection failed (" + text + ")");
            return Verdict.of(Outcome.OPEN_SILENT, "accepted a connection but answered no handshake: " + String.join("; ", notes));
        }
        return switch (error) {
            case REFUSED -> Verdict.of(Outcome.CLOSED, "connection refused (RST or ICMP port unreachable)");
            case UNREACHABLE -> Verdict.of(Outcome.FILTERED, "no route to host: an ICMP host unreachable or administratively prohibited"
                    + " answer, or no route on this worker (" + text + ")");
            case PROHIBITED -> Verdict.of(Outcome.FILTERED, "refused by a firewall: an ICMP administratively prohibited answer"
                    + " (IPv6) or a firewall rule on this worker's host (" + text + ")");
            case TIMED_OUT -> Verdict.of(Outcome.FILTERED, "unreachable: " + text);
            case NO_DESCRIPTORS -> Verdict.of(Outcome.ERROR, "local resource exhaustion: too many open files; raise the worker's"
                    + " 'ulimit -n' or lower worker.concurrency");
            case NO_LOCAL_PORT -> Verdict.of(Outcome.ERROR, "local resource exhaustion: no local port or source address left for"
                    + " a connection to " + target + " (" + text + "); lower worker.concurrency or check worker.source.address");
            case RESET, OTHER -> Verdict.of(Outcome.ERROR, "local error opening a connection to " + target + ": " + text);
        };
    }
}
