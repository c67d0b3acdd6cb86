package io.milterwatch.processor.topology;

import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.ProbeResult;

/** The kinds of evidence the correlator consumes for one ip:port, merged into one stream. */
sealed interface CorrelationInput {

    /** A probe result seen for the first time: applied to the state. */
    record Probe(ProbeResult result) implements CorrelationInput {
    }

    /** A probe result redelivered for a request, vantage and ip:port already applied: counted, never applied. */
    record Duplicate(ProbeResult result) implements CorrelationInput {
    }

    record Firewall(FirewallEvent event) implements CorrelationInput {
    }
}
