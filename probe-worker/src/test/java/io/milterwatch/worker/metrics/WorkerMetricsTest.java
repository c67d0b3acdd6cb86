package io.milterwatch.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.milterwatch.metrics.PrometheusMetrics;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.testing.PrometheusText;
import org.junit.jupiter.api.Test;

/** The worker's meters as a Prometheus scrape shows them. */
class WorkerMetricsTest {

    @Test
    void shouldCountEachResultUnderItsOutcomeAndTimeItWhenProbed() {
        try (PrometheusMetrics prometheus = PrometheusMetrics.create("vantage", "v1", "zone", "EXTERNAL")) {
            // given
            final WorkerMetrics metrics = new WorkerMetrics(prometheus.registry());
            // when
            metrics.probed(result(Outcome.MILTER, 3));
            metrics.probed(result(Outcome.MILTER, 7));
            metrics.probed(result(Outcome.FILTERED, 3000));
            metrics.acknowledged(3, 1);
            metrics.batchFailed();
            // then
            final PrometheusText scrape = PrometheusText.of(prometheus.registry().scrape());
            assertThat(scrape.sum("milterwatch_probes_total", "outcome", "MILTER", "vantage", "v1", "zone", "EXTERNAL")).isEqualTo(2.0);
            assertThat(scrape.sum("milterwatch_probes_total", "outcome", "FILTERED")).isEqualTo(1.0);
            assertThat(scrape.sum("milterwatch_probes_total", "outcome", "ERROR")).isZero();
            assertThat(scrape.sum("milterwatch_probes_total")).isEqualTo(3.0);
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_count", "outcome", "MILTER")).isEqualTo(2.0);
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_sum", "outcome", "MILTER"))
                    .isEqualTo(0.010, org.assertj.core.data.Offset.offset(1e-9));
            // 3 ms and 7 ms fall into the 5 ms and 10 ms buckets; 3 s is above 2.5 s and at most 5 s
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_bucket", "outcome", "MILTER", "le", "0.005")).isEqualTo(1.0);
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_bucket", "outcome", "MILTER", "le", "0.01")).isEqualTo(2.0);
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_bucket", "outcome", "FILTERED", "le", "2.5")).isZero();
            assertThat(scrape.sum("milterwatch_probe_duration_seconds_bucket", "outcome", "FILTERED", "le", "5.0")).isEqualTo(1.0);
            assertThat(scrape.sum("milterwatch_results_published_total")).isEqualTo(3.0);
            assertThat(scrape.sum("milterwatch_dlq_records_total")).isEqualTo(1.0);
            assertThat(scrape.sum("milterwatch_batches_failed_total")).isEqualTo(1.0);
            // and: without an engine nothing is in flight
            assertThat(scrape.sum("milterwatch_probes_in_flight")).isZero();
            assertThat(scrape.has("milterwatch_probes_queued")).isTrue();
        }
    }

    private static ProbeResult result(final Outcome outcome, final long totalMs) {
        return ProbeResult.newBuilder().setRequestId("r").setTargetId("t").setHost("127.0.0.1").setIp("127.0.0.1").setPort(8891)
                .setVantage("v1").setZone(Zone.EXTERNAL).setAllowedZones(List.of(Zone.INTERNAL)).setOutcome(outcome).setTotalMs(totalMs)
                .setProbedAtMs(0).build();
    }
}
