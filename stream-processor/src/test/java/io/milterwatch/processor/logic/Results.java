package io.milterwatch.processor.logic;

import java.util.List;

import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;

/** Probe results as a worker would publish them, for tests. */
public final class Results {

    private Results() {
    }

    public static ProbeResult of(final String vantage, final Zone zone, final Outcome outcome, final long at) {
        return ProbeResult.newBuilder()
                .setRequestId("req-" + at).setTargetId("mx.example.test:8891").setHost("mx.example.test")
                .setIp("192.0.2.10").setPort(8891).setVantage(vantage).setZone(zone).setAllowedZones(List.of(Zone.INTERNAL))
                .setOutcome(outcome)
                .setMilter(outcome == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                .setProduct(outcome == Outcome.MILTER ? "OpenDKIM" : null)
                .setTotalMs(2).setProbedAtMs(at).build();
    }
}
