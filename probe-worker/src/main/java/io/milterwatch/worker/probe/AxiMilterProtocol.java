package io.milterwatch.worker.probe;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The AXIGEN AXIMilter text protocol, as far as a safe probe needs it: CRLF-terminated lines.
 * {@code PING} is answered {@code PONG}; an envelope whose {@code VERI:} path does not exist is
 * answered with one of two URL-encoded {@code ERROR:} lines. Nothing we send contains a {@code %}
 * (CVE-2008-0434 is a format-string crash in the CNHO handler); the constructor of every request
 * checks it.
 */
public final class AxiMilterProtocol {

    /** A reply line longer than this is not AXIMilter's. */
    public static final int MAX_LINE = 256;

    public static final String PONG = "PONG";
    public static final String NO_MILTER = "ERROR: Could not connect to Milter implementation";
    public static final String NO_FILE = "ERROR: Could not open message file";

    private static final byte[] PING = checked("PING\r\n");
    /**
     * The detection envelope of Tenable's plugin 30105 with fixed, %-free values. The VERI path
     * names a file that does not exist, so AXIMilter answers before it would read a message. The
     * addresses in it are text in the envelope, never connected to (192.0.2.1 is TEST-NET-1).
     */
    private static final byte[] ENVELOPE = checked("FROM: <>\r\n"
            + "EHLO: milterwatch.invalid\r\n"
            + "CNIP: 192.0.2.1\r\n"
            + "CNPO: 25\r\n"
            + "CNHO: milterwatch.invalid\r\n"
            + "RCPT: <postmaster@milterwatch.invalid>\r\n"
            + "VERI: /nonexistent/milterwatch-probe.eml\r\n");

    private AxiMilterProtocol() {
    }

    public static byte[] ping() {
        return PING.clone();
    }

    public static byte[] envelope() {
        return ENVELOPE.clone();
    }

    private static byte[] checked(final String request) {
        if (request.indexOf('%') >= 0) {
            throw new IllegalStateException("an AXIMilter request must never contain '%'");
        }
        return request.getBytes(StandardCharsets.US_ASCII);
    }

    /** What the bytes read so far amount to. */
    public sealed interface Line permits NeedMore, Text, Binary {
    }

    /** No complete line yet and nothing against one. */
    public record NeedMore() implements Line {
    }

    /** A complete printable line, without its terminator. */
    public record Text(String line) implements Line {
    }

    /** Bytes that are not a text line (NUL, control bytes, or a line longer than {@link #MAX_LINE}). */
    public record Binary(String reason) implements Line {
    }

    /** The first line of {@code buf[0..len)}. */
    public static Line firstLine(final byte[] buf, final int len) {
        for (int i = 0; i < len; i++) {
            final int c = buf[i] & 0xFF;
            if (c == '\n') {
                int end = i;
                if (end > 0 && buf[end - 1] == '\r') {
                    end--;
                }
                return new Text(new String(buf, 0, end, StandardCharsets.ISO_8859_1));
            }
            if (i >= MAX_LINE) {
                return new Binary("no line end within " + MAX_LINE + " bytes");
            }
            if ((c < 0x20 && c != '\r' && c != '\t') || c == 0x7F) {
                return new Binary("control byte 0x" + Integer.toHexString(c) + " at offset " + i);
            }
        }
        return len > MAX_LINE ? new Binary("no line end within " + MAX_LINE + " bytes") : new NeedMore();
    }

    /**
     * ClamAV clamd's VERSION query, newline-delimited as its protocol documents (clamd.8: commands
     * prefixed with 'n' end at a newline; VERSION prints the program and database versions). Sent
     * only to a port that answered PONG and closed, as clamd does; it reads nothing and changes nothing.
     */
    private static final byte[] CLAMD_VERSION = checked("nVERSION\n");

    public static byte[] clamdVersion() {
        return CLAMD_VERSION.clone();
    }

    /** True for clamd's answer to VERSION: {@code ClamAV 1.0.7/27480/Tue Dec  1 09:30:02 2026} or {@code ClamAV 1.0.7}. */
    public static boolean isClamdVersion(final String line) {
        return line.strip().matches("ClamAV [0-9]+\\.[0-9]+[^\\s/]*(/.*)?");
    }

    public static boolean isPong(final String line) {
        return line.trim().toUpperCase(Locale.ROOT).equals(PONG);
    }

    /** True when the URL-decoded line is exactly one of the two errors AXIMilter answers the envelope with. */
    public static boolean isEnvelopeError(final String line) {
        final String decoded = urlDecode(line.strip());
        return decoded.equals(NO_MILTER) || decoded.equals(NO_FILE);
    }

    /** Percent-decoding as Nessus' urldecode does ('+' is a space); malformed escapes stay as they are. */
    static String urlDecode(final String s) {
        final StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '+') {
                out.append(' ');
            } else if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0
                    && hex(s.charAt(i + 2)) >= 0) {
                out.append((char) (hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2))));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int hex(final char c) {
        return Character.digit(c, 16);
    }
}
