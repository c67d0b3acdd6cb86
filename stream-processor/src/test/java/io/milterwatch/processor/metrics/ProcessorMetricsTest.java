package io.milterwatch.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.milterwatch.processor.firewall.ParseStatus;
import io.milterwatch.schema.Exposure;
import io.milterwatch.testing.PrometheusText;
import org.junit.jupiter.api.Test;

/** The processor's meters, as a Prometheus scrape shows them. */
class ProcessorMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProcessorMetrics metrics = new ProcessorMetrics(registry);

    @Test
    void shouldCountLinesByFormatAndStatusWithUnknownForUnrecognisedLines() {
        // when
        metrics.line("netfilter", ParseStatus.EVENT);
        metrics.line("netfilter", ParseStatus.EVENT);
        metrics.line("cisco-asa", ParseStatus.SKIPPED);
        metrics.line(null, ParseStatus.INVALID);
        metrics.line("not-a-format", ParseStatus.INVALID);
        // then
        final PrometheusText scrape = PrometheusText.of(registry.scrape());
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "netfilter", "status", "EVENT")).isEqualTo(2.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "cisco-asa", "status", "SKIPPED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total", "format", "unknown", "status", "INVALID")).isEqualTo(2.0);
        assertThat(scrape.sum("milterwatch_firewall_lines_total")).isEqualTo(5.0);
        // and: every format and status is there from the start, at 0, so that rates work from the first scrape
        // 13 formats (netfilter ... windows-firewall, cef, leef, azure-nsg, sophos, checkpoint) and unknown, by 3 statuses
        assertThat(scrape.samples("milterwatch_firewall_lines_total")).hasSize((13 + 1) * 3);
    }

    @Test
    void shouldCountAlertsByTheStateEntered() {
        metrics.alert(Exposure.EXPOSED);
        metrics.alert(Exposure.REGRESSED);
        metrics.alert(Exposure.EXPOSED);
        final PrometheusText scrape = PrometheusText.of(registry.scrape());
        assertThat(scrape.sum("milterwatch_alerts_total", "kind", "EXPOSED")).isEqualTo(2.0);
        assertThat(scrape.sum("milterwatch_alerts_total", "kind", "REGRESSED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_alerts_total", "kind", "REMEDIATED")).isZero();
    }

    @Test
    void shouldSumEndpointStatesOverTasksAndForgetATaskWhenItCloses() {
        // given: two tasks of this instance
        final ProcessorMetrics.EndpointCounts a = metrics.endpoints("0_0");
        final ProcessorMetrics.EndpointCounts b = metrics.endpoints("0_1");
        // when
        a.moved(null, Exposure.EXPOSED);
        a.moved(null, Exposure.NOT_EXPOSED);
        b.moved(null, Exposure.EXPOSED);
        b.moved(Exposure.EXPOSED, Exposure.REMEDIATED);
        a.moved(Exposure.NOT_EXPOSED, Exposure.NOT_EXPOSED);
        // then
        PrometheusText scrape = PrometheusText.of(registry.scrape());
        assertThat(scrape.sum("milterwatch_endpoints", "state", "EXPOSED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_endpoints", "state", "REMEDIATED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_endpoints", "state", "NOT_EXPOSED")).isEqualTo(1.0);
        // when: task 0_1 moves away, and task 0_0 is opened again (its store recounted) before the old one is closed
        b.close();
        final ProcessorMetrics.EndpointCounts again = metrics.endpoints("0_0");
        again.moved(null, Exposure.EXPOSED);
        a.close();
        // then: only the new count of 0_0 remains
        scrape = PrometheusText.of(registry.scrape());
        assertThat(scrape.sum("milterwatch_endpoints", "state", "EXPOSED")).isEqualTo(1.0);
        assertThat(scrape.sum("milterwatch_endpoints", "state", "REMEDIATED")).isZero();
        assertThat(scrape.sum("milterwatch_endpoints", "state", "NOT_EXPOSED")).isZero();
    }
}
