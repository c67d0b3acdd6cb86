package io.milterwatch.worker.probe;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Judges the bytes a port sent back to our SMFIC_OPTNEG. Pure function over a bounded buffer: it
 * never allocates from a length field, and never throws on hostile input.
 */
public final class MilterReply {

    /** Escaped banner excerpts are cut to this many input bytes. */
    public static final int BANNER_BYTES = 64;

    /** What the bytes so far amount to. */
    public sealed interface Verdict permits NeedMore, Milter, NotMilter {
    }

    /** A valid prefix of a milter reply; read on. {@code total} is the frame size once the length is known, else 0. */
    public record NeedMore(int total) implements Verdict {
    }

    public record Milter(int version, long actions, long protocol, Map<String, String> symbols, int frameLength) implements Verdict {
    }

    /** Something that is not a milter reply; {@code kind} names the service when recognised. */
    public record NotMilter(String kind, String reason, String banner) implements Verdict {
    }

    private MilterReply() {
    }

    /**
     * @param buf     bytes received so far (only the first {@code len} count)
     * @param len     how many
     * @param request the exact frame we sent, to recognise an echo
     */
    public static Verdict judge(final byte[] buf, final int len, final byte[] request) {
        if (len == 0) {
            return new NeedMore(0);
        }
        final String known = recogniseBanner(buf, len);
        if (known != null) {
            return new NotMilter(known, "reply looks like " + known, escape(buf, len));
        }
        if (len < 4) {
            return new NeedMore(0);
        }
        final long length = MilterProtocol.uint(buf, 0);
        if (length < MilterProtocol.MIN_OPTNEG_LENGTH || length > MilterProtocol.MAX_FRAME_LENGTH) {
            return new NotMilter(null, "length field " + length + " is outside " + MilterProtocol.MIN_OPTNEG_LENGTH + ".."
                    + MilterProtocol.MAX_FRAME_LENGTH, escape(buf, len));
        }
        if (len < 5) {
            return new NeedMore((int) length + 4);
        }
        if (buf[4] != MilterProtocol.SMFIC_OPTNEG) {
            return new NotMilter(null, "command byte 0x" + Integer.toHexString(buf[4] & 0xFF) + " is not 'O' (SMFIC_OPTNEG)", escape(buf, len));
        }
        final int total = (int) length + 4;
        if (len < total) {
            return new NeedMore(total);
        }
        if (len > total) {
            return new NotMilter(null, "more bytes than the frame announced (" + len + " > " + total + ")", escape(buf, len));
        }
        if (request != null && len == request.length && Arrays.equals(Arrays.copyOf(buf, len), request)) {
            return new NotMilter("echo", "the port echoed our request back", escape(buf, len));
        }
        final long version = MilterProtocol.uint(buf, 5);
        final long actions = MilterProtocol.uint(buf, 9);
        final long protocol = MilterProtocol.uint(buf, 13);
        if (version < 2 || version > 6) {
            return new NotMilter(null, "version " + version + " is outside 2..6", escape(buf, len));
        }
        if ((actions & ~(long) MilterProtocol.V6_ACTIONS) != 0) {
            return new NotMilter(null, "actions 0x" + Long.toHexString(actions) + " outside 0x1ff", escape(buf, len));
        }
        if ((protocol & ~(long) (MilterProtocol.V6_PROTOCOL | MilterProtocol.PACKET_SIZE_BITS)) != 0) {
            return new NotMilter(null, "protocol 0x" + Long.toHexString(protocol) + " outside 0x1fffff and the packet-size bits",
                    escape(buf, len));
        }
        final Map<String, String> symbols = symbolLists(buf, 17, total);
        if (symbols == null) {
            return new NotMilter(null, "malformed macro symbol lists after the negotiation", escape(buf, len));
        }
        return new Milter((int) version, actions, protocol, symbols, (int) length);
    }

    /** libmilter appends (uint32 stage, NUL-terminated list) pairs; null when the tail does not parse. */
    static Map<String, String> symbolLists(final byte[] buf, final int from, final int end) {
        final Map<String, String> lists = new LinkedHashMap<>();
        int at = from;
        while (at < end) {
            if (end - at < 5) {
                return null;
            }
            final long stage = MilterProtocol.uint(buf, at);
            at += 4;
            int nul = at;
            while (nul < end && buf[nul] != 0) {
                nul++;
            }
            if (nul == end || stage > 16) {
                return null;
            }
            lists.put(Long.toString(stage), new String(buf, at, nul - at, StandardCharsets.ISO_8859_1));
            at = nul + 1;
        }
        return lists;
    }

    /** Names a well-known non-milter service from its first bytes, or null. */
    static String recogniseBanner(final byte[] b, final int len) {
        if (startsWith(b, len, "220 ") || startsWith(b, len, "220-")) {
            return "SMTP";
        }
        if (startsWith(b, len, "HTTP/")) {
            return "HTTP";
        }
        if (startsWith(b, len, "SSH-")) {
            return "SSH";
        }
        // RESP: "+PONG" is Redis's answer to PING; NOAUTH and DENIED are error codes of Redis alone
        // (POP3 has only +OK and -ERR, and greets first with +OK).
        if (startsWith(b, len, "+PONG") || startsWith(b, len, "-NOAUTH ") || startsWith(b, len, "-DENIED ")) {
            return "Redis";
        }
        if (startsWith(b, len, "-ERR") || startsWith(b, len, "+OK")) {
            return "Redis/POP3";
        }
        if (startsWith(b, len, "* OK")) {
            return "IMAP";
        }
        if (len >= 2 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03) {
            return "TLS";
        }
        return null;
    }

    private static boolean startsWith(final byte[] b, final int len, final String prefix) {
        if (len < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != (byte) prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Printable ASCII as is, everything else as \xNN; bounded to {@link #BANNER_BYTES} input bytes. */
    public static String escape(final byte[] b, final int len) {
        final int n = Math.min(len, BANNER_BYTES);
        final StringBuilder out = new StringBuilder(n * 2);
        for (int i = 0; i < n; i++) {
            final int c = b[i] & 0xFF;
            if (c == '\\') {
                out.append("\\\\");
            } else if (c >= 0x20 && c < 0x7F) {
                out.append((char) c);
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\n') {
                out.append("\\n");
            } else {
                out.append(String.format(java.util.Locale.ROOT, "\\x%02x", c));
            }
        }
        if (len > n) {
            out.append("...");
        }
        return out.toString();
    }
}
