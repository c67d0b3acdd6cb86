package io.milterwatch.processor.topology;

import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.ProbeResult;

/** The two kinds of evidence the correlator consumes for one ip:port, merged into one stream. */
sealed interface CorrelationInput {

    record Probe(ProbeResult result) implements CorrelationInput {
    }

    record Firewall(FirewallEvent event) implements CorrelationInput {
    }
}
