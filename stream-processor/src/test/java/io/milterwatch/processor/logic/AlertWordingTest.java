package io.milterwatch.processor.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Zone;
import org.junit.jupiter.api.Test;

class AlertWordingTest {

    private static ExposureState state(final Exposure s, final long since) {
        return ExposureState.newBuilder().setKey("192.0.2.10:8891").setIp("192.0.2.10").setPort(8891).setTargetId("mx.example.test:8891")
                .setState(s).setSinceMs(since).setFirstSeenMs(1).setLastSeenMs(since).setTransitions(3)
                .setAllowedZones(List.of(Zone.INTERNAL)).setVantages(Map.of()).setRecentFirewallLines(List.of("earlier line")).build();
    }

    @Test
    void shouldRateSeverityByTheStateEntered() {
        assertThat(AlertWording.severity(Exposure.EXPOSED, false)).isEqualTo(Severity.HIGH);
        assertThat(AlertWording.severity(Exposure.EXPOSED, true)).isEqualTo(Severity.CRITICAL);
        assertThat(AlertWording.severity(Exposure.REGRESSED, false)).isEqualTo(Severity.CRITICAL);
        assertThat(AlertWording.severity(Exposure.SERVICE_DOWN, false)).isEqualTo(Severity.MEDIUM);
        assertThat(AlertWording.severity(Exposure.STALE, false)).isEqualTo(Severity.LOW);
        assertThat(AlertWording.severity(Exposure.REMEDIATED, false)).isEqualTo(Severity.INFO);
    }

    @Test
    void shouldQuoteTheFirewallLineAndDateTheAlertAtTheTransitionWhenAFirewallLineRegressesAPort() {
        final Alert a = AlertWording.forFirewall(state(Exposure.REGRESSED, 20_000), Exposure.REMEDIATED,
                Results.firewall("203.0.113.7", FirewallAction.ALLOW, 20_000), Zone.EXTERNAL);
        assertThat(a.getSummary()).isEqualTo("regression: firewall 'fw1' allowed 203.0.113.7:40000 -> 192.0.2.10:8891 from zone EXTERNAL"
                + " after the port had been remediated; re-probing to confirm");
        assertThat(a.getFirewallLines()).singleElement().asString().contains("SRC=203.0.113.7");
        assertThat(a.getAlertId()).isEqualTo("192.0.2.10:8891#3");
        assertThat(a.getCreatedAtMs()).isEqualTo(20_000);
        assertThat(a.getRemediation()).contains("--dport 8891");
    }

    @Test
    void shouldSaySinceWhenAndWhatWasStaleWhenAStateGoesStale() {
        final Alert a = AlertWording.forStale(state(Exposure.STALE, 900_000), Exposure.EXPOSED, true, 1_000, 900_000);
        assertThat(a.getSummary()).isEqualTo("stale: no probe result for 192.0.2.10:8891 from a disallowed-zone vantage since "
                + Instant.ofEpochMilli(1_000) + "; its exposure (EXPOSED) can no longer be vouched for");
        assertThat(a.getRemediation()).isNull();
        assertThat(a.getFirewallLines()).isEmpty();
        assertThat(a.getSeverity()).isEqualTo(Severity.LOW);
    }

    @Test
    void shouldQuoteRecentLinesAndNameTheEvidenceWhenAProbeExposesAPort() {
        final Alert a = AlertWording.forProbe(state(Exposure.EXPOSED, 5_000), Exposure.NOT_EXPOSED,
                Results.of("out", Zone.EXTERNAL, Outcome.MILTER, 5_000));
        assertThat(a.getSummary()).isEqualTo("milter (protocol v6) on 192.0.2.10:8891 answers from zone EXTERNAL (vantage 'out');"
                + " only INTERNAL may reach it");
        assertThat(a.getFirewallLines()).containsExactly("earlier line");
        assertThat(a.getEvidence().getVantage()).isEqualTo("out");
    }
}
