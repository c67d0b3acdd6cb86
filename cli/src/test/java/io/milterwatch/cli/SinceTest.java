package io.milterwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SinceTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void shouldCountBackFromNowWhenGivenADuration() {
        assertThat(Since.parse("10m", CLOCK)).isEqualTo(Instant.parse("2026-11-28T11:50:00Z"));
        assertThat(Since.parse("90s", CLOCK)).isEqualTo(Instant.parse("2026-11-28T11:58:30Z"));
        assertThat(Since.parse("2h", CLOCK)).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(Since.parse("1h30m", CLOCK)).isEqualTo(Instant.parse("2026-11-28T10:30:00Z"));
        assertThat(Since.parse("7d", CLOCK)).isEqualTo(Instant.parse("2026-11-21T12:00:00Z"));
        assertThat(Since.parse("500ms", CLOCK)).isEqualTo(Instant.parse("2026-11-28T11:59:59.500Z"));
        assertThat(Since.parse("PT10M", CLOCK)).isEqualTo(Instant.parse("2026-11-28T11:50:00Z"));
        assertThat(Since.parse("P1D", CLOCK)).isEqualTo(Instant.parse("2026-11-27T12:00:00Z"));
        assertThat(Since.parse("0s", CLOCK)).isEqualTo(NOW);
    }

    @Test
    void shouldTakeTheInstantWhenGivenATimestampWithAZoneOrADate() {
        assertThat(Since.parse("2026-11-28T10:00:00Z", CLOCK)).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(Since.parse("2026-11-28T11:00:00+01:00", CLOCK)).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(Since.parse("2026-11-28T10:00:00.250Z", CLOCK)).isEqualTo(Instant.parse("2026-11-28T10:00:00.250Z"));
        assertThat(Since.parse("2026-11-27", CLOCK)).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
    }

    @Test
    void shouldNameTheBadInputWhenItIsNeitherADurationNorATimestamp() {
        assertThatThrownBy(() -> Since.parse("10 minutes", CLOCK)).hasMessageContaining("'10 minutes' is neither a duration");
        assertThatThrownBy(() -> Since.parse("10x", CLOCK)).hasMessageContaining("'10x'");
        assertThatThrownBy(() -> Since.parse("m10", CLOCK)).hasMessageContaining("'m10'");
        assertThatThrownBy(() -> Since.parse("2026-11-28T10:00:00", CLOCK)).as("no zone: ambiguous").hasMessageContaining("with a zone");
        assertThatThrownBy(() -> Since.parse("PT-10M", CLOCK)).hasMessageContaining("negative");
        assertThatThrownBy(() -> Since.parse("PTxM", CLOCK)).hasMessageContaining("'PTxM' is not an ISO-8601 duration");
        assertThatThrownBy(() -> Since.parse("", CLOCK)).hasMessageContaining("empty time");
    }

    @Test
    void shouldReportAUsageErrorNamingTheOptionWhenAlertsGetsABadSince() {
        final CliRunner.Result r = CliRunner.run("alerts", "--since", "yesterday");
        assertThat(r.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).contains("--since").contains("'yesterday'");
    }
}
