package io.milterwatch.processor.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.FirewallWindow;
import org.junit.jupiter.api.Test;

class FirewallWindowsTest {

    private static final CorrelationPolicy POLICY = new CorrelationPolicy(Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    private static ExposureState watched() {
        return ExposureState.newBuilder().setKey("192.0.2.10:8891").setIp("192.0.2.10").setPort(8891).setTargetId("t")
                .setState(Exposure.NOT_EXPOSED).setSinceMs(1).setFirstSeenMs(1).setLastSeenMs(1).build();
    }

    private static ExposureState count(final ExposureState previous, final FirewallEvent e, final boolean fromAllowed) {
        final ExposureState.Builder b = ExposureState.newBuilder(previous);
        FirewallWindows.count(b, previous, e, fromAllowed, POLICY);
        return b.build();
    }

    @Test
    void shouldCountEachSideAndActionInItsTumblingWindow() {
        // given
        ExposureState s = watched();
        // when: two lines in the first minute (one per side), one in the third minute
        s = count(s, Results.firewall("203.0.113.7", FirewallAction.ALLOW, 10_000), false);
        s = count(s, Results.firewall("10.0.0.1", FirewallAction.DROP, 59_999), true);
        s = count(s, Results.firewall("203.0.113.7", FirewallAction.DROP, 130_000), false);
        // then
        assertThat(s.getFirewallWindows()).extracting(FirewallWindow::getStartMs).containsExactly(0L, 120_000L);
        final FirewallWindow first = s.getFirewallWindows().get(0);
        assertThat(List.of(first.getAllowedFromDisallowed(), first.getBlockedFromAllowed(), first.getAllowedFromAllowed(),
                first.getBlockedFromDisallowed())).containsExactly(1L, 1L, 0L, 0L);
        assertThat(s.getFirewallWindows().get(1).getBlockedFromDisallowed()).isEqualTo(1);
        assertThat(s.getAllowedFromDisallowed()).isEqualTo(1);
        assertThat(s.getBlockedFromDisallowed()).isEqualTo(1);
        assertThat(s.getBlockedFromAllowed()).isEqualTo(1);
        assertThat(s.getLastFirewallEventMs()).isEqualTo(130_000);
        assertThat(s.getRecentFirewallLines()).as("only lines from disallowed zones are quoted").hasSize(2);
    }

    @Test
    void shouldKeepAtMostTheNewestWindowsAndLines() {
        ExposureState s = watched();
        for (int i = 0; i < CorrelationPolicy.WINDOWS_KEPT + 3; i++) {
            s = count(s, Results.firewall("203.0.113.7", FirewallAction.DROP, i * 60_000L + 1), false);
        }
        assertThat(s.getFirewallWindows()).hasSize(CorrelationPolicy.WINDOWS_KEPT);
        assertThat(s.getFirewallWindows().get(0).getStartMs()).isEqualTo(3 * 60_000L);
        assertThat(s.getRecentFirewallLines()).hasSize(FirewallWindows.MAX_LINES);
        assertThat(s.getRecentFirewallLines().get(FirewallWindows.MAX_LINES - 1)).endsWith("at " + (12 * 60_000L + 1));
    }

    @Test
    void shouldCallAnEventLateOnlyWhenOlderThanTheNewestByMoreThanTheGrace() {
        final ExposureState s = count(watched(), Results.firewall("203.0.113.7", FirewallAction.DROP, 100_000), false);
        assertThat(FirewallWindows.late(s, 70_000, POLICY)).isFalse();
        assertThat(FirewallWindows.late(s, 69_999, POLICY)).isTrue();
        assertThat(FirewallWindows.late(watched(), 0, POLICY)).as("nothing seen yet").isFalse();
    }

    @Test
    void shouldCutLongLinesWhenStoringThem() {
        final String longLine = "x".repeat(FirewallWindows.MAX_LINE_CHARS + 10);
        final FirewallEvent e = FirewallEvent.newBuilder(Results.firewall("203.0.113.7", FirewallAction.DROP, 1000)).setLine(longLine).build();
        final ExposureState s = count(watched(), e, false);
        assertThat(s.getRecentFirewallLines().get(0)).hasSize(FirewallWindows.MAX_LINE_CHARS + 3).endsWith("...");
    }
}
