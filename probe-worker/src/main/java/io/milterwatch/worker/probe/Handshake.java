package io.milterwatch.worker.probe;

/** The handshakes a probe can try; each runs on its own connection. */
public enum Handshake {
    /** AXIGEN AXIMilter text protocol: {@code PING}, and the VERI envelope when PING got another line. */
    AXIMILTER,
    /** Sendmail-milter SMFIC_OPTNEG at version 6 with full masks. */
    MILTER_V6,
    /** The version-2 offer, tried only when the version-6 offer met silence. */
    MILTER_V2
}
