package io.milterwatch.processor.firewall;

/** The three outcomes of parsing one line; every line gets exactly one. */
public enum ParseStatus {
    /** A connection event: a FirewallEvent was produced. */
    EVENT,
    /** A known format, but not a connection event (VPN, system, DHCP, headers, teardown...). */
    SKIPPED,
    /** Not usable: truncated, fragment, unknown format or impossible values; the reason says which. */
    INVALID
}
