package io.milterwatch.worker.probe;

/** The handshakes a probe can try; each runs on its own connection. */
public enum Handshake {
    /** AXIGEN AXIMilter text protocol: {@code PING}, and the VERI envelope when PING got another line. */
    AXIMILTER,
    /** Sendmail-milter SMFIC_OPTNEG at version 6 with full masks. */
    MILTER_V6,
    /** The version-2 offer, tried only when the version-6 offer met silence. */
    MILTER_V2,
    /**
     * ClamAV clamd's read-only {@code nVERSION} query, asked only of a port that answered PONG to
     * PING and then closed on the envelope, as clamd does after every command outside a session:
     * it names the product, never a milter.
     */
    CLAMD_VERSION
}
