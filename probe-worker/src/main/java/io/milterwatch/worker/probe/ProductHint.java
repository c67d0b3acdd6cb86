package io.milterwatch.worker.probe;

/** A product guess from a milter reply. These are heuristics and the reason says so. */
public record ProductHint(String product, String reason) {

    public static ProductHint of(final MilterReply.Milter m, final int port) {
        if (m.version() == 6 && m.protocol() == 0xFF080L) {
            return new ProductHint("rspamd", "heuristic: version 6 with protocol flags 0xff080, as rspamd's milter answers");
        }
        if (m.version() == 2) {
            return new ProductHint("non-libmilter milter (Go, Perl or Java)",
                    "heuristic: answered version 2 to a version 6 offer, as go-milter, Sendmail::PMilter and jilter do");
        }
        if (m.version() == 6 && !m.symbols().isEmpty()) {
            return new ProductHint(portName(port, "libmilter-based milter"),
                    "heuristic: version 6 with macro symbol lists (libmilter smfi_setsymlist)" + portReason(port));
        }
        final String byPort = portName(port, null);
        if (byPort != null) {
            return new ProductHint(byPort, "heuristic: a milter on port " + port + portReason(port));
        }
        return new ProductHint(null, null);
    }

    private static String portName(final int port, final String fallback) {
        return switch (port) {
            case 8891 -> "OpenDKIM";
            case 8893 -> "OpenDMARC";
            case 11332 -> "rspamd";
            default -> fallback;
        };
    }

    private static String portReason(final int port) {
        return switch (port) {
            case 8891 -> "; port 8891 is OpenDKIM's usual port";
            case 8893 -> "; port 8893 is OpenDMARC's usual port";
            case 11332 -> "; port 11332 is rspamd's usual proxy port";
            default -> "";
        };
    }
}
