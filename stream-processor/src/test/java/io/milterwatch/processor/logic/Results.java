package io.milterwatch.processor.logic;

import java.util.List;

import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;

/** Probe results as a worker would publish them, for tests. */
public final class Results {

    private Results() {
    }

    /** A firewall event for the same ip:port as {@link #of}: a line from {@code src} at {@code at}. */
    public static FirewallEvent firewall(final String src, final FirewallAction action, final long at) {
        return FirewallEvent.newBuilder()
                .setTimestampMs(at).setAction(action).setRawAction(action.name()).setProtocol("tcp")
                .setSrcIp(src).setSrcPort(40000).setDstIp("192.0.2.10").setDstPort(8891).setDevice("fw1")
                .setRule(action == FirewallAction.ALLOW ? "[UFW ALLOW] " : "[UFW BLOCK] ").setFormat("netfilter")
                .setLine("fw1 kernel: [UFW " + (action == FirewallAction.ALLOW ? "ALLOW" : "BLOCK") + "] IN=eth0 SRC=" + src
                        + " DST=192.0.2.10 PROTO=TCP SPT=40000 DPT=8891 at " + at)
                .build();
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
