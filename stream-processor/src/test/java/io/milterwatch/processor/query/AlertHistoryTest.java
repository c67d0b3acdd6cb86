package io.milterwatch.processor.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class AlertHistoryTest {

    private static byte[] bytes(final int n) {
        return new byte[n];
    }

    private static List<String> ids(final AlertHistory h, final String key) {
        return h.of(key).kept().stream().map(AlertHistory.Kept::alertId).toList();
    }

    @Test
    void shouldKeepTheAlertsOfAnIpPortInTransitionOrderWhenTheyArriveOutOfOrder() {
        // given: REGRESSED is read from its own topic, so #3 can come after #4
        final AlertHistory h = new AlertHistory(10, 1 << 20);
        // when
        h.add("192.0.2.1:8891", "192.0.2.1:8891#1", 100, bytes(10));
        h.add("192.0.2.1:8891", "192.0.2.1:8891#2", 200, bytes(10));
        h.add("192.0.2.1:8891", "192.0.2.1:8891#4", 400, bytes(10));
        h.add("192.0.2.1:8891", "192.0.2.1:8891#3", 300, bytes(10));
        // then
        assertThat(ids(h, "192.0.2.1:8891")).containsExactly("192.0.2.1:8891#1", "192.0.2.1:8891#2", "192.0.2.1:8891#3", "192.0.2.1:8891#4");
        assertThat(h.latest("192.0.2.1:8891").alertId()).isEqualTo("192.0.2.1:8891#4");
        assertThat(h.of("192.0.2.1:8891").truncated()).isFalse();
    }

    @Test
    void shouldKeepAnAlertOnceWhenItIsReadTwice() {
        // given
        final AlertHistory h = new AlertHistory(10, 1 << 20);
        h.add("192.0.2.1:8891", "192.0.2.1:8891#1", 100, bytes(10));
        final long before = h.bytes();
        // when
        h.add("192.0.2.1:8891", "192.0.2.1:8891#1", 100, bytes(10));
        // then
        assertThat(ids(h, "192.0.2.1:8891")).containsExactly("192.0.2.1:8891#1");
        assertThat(h.bytes()).isEqualTo(before);
    }

    @Test
    void shouldDropTheOldestTransitionsOfAnIpPortWhenItHasMoreThanThePerKeyLimit() {
        // given
        final AlertHistory h = new AlertHistory(3, 1 << 20);
        // when
        for (int n = 1; n <= 5; n++) {
            h.add("[2001:db8::1]:8891", "[2001:db8::1]:8891#" + n, n, bytes(10));
        }
        // then
        assertThat(ids(h, "[2001:db8::1]:8891")).containsExactly("[2001:db8::1]:8891#3", "[2001:db8::1]:8891#4", "[2001:db8::1]:8891#5");
        assertThat(h.of("[2001:db8::1]:8891").truncated()).isTrue();
        assertThat(h.of("192.0.2.9:1").kept()).isEmpty();
        assertThat(h.latest("192.0.2.9:1")).isNull();
    }

    @Test
    void shouldEvictTheIpPortChangedLeastRecentlyWhenTheByteBudgetIsExceeded() {
        // given: room for about three alerts of 1000 bytes
        final long oneAlert = new AlertHistory.Kept("192.0.2.1:8891#1", 0, bytes(1000)).cost();
        final AlertHistory h = new AlertHistory(10, 3 * oneAlert + 10);
        h.add("192.0.2.1:8891", "192.0.2.1:8891#1", 1, bytes(1000));
        h.add("192.0.2.2:8891", "192.0.2.2:8891#1", 2, bytes(1000));
        h.add("192.0.2.3:8891", "192.0.2.3:8891#1", 3, bytes(1000));
        // the first ip:port changes again, so the second is now the least recently changed
        h.add("192.0.2.1:8891", "192.0.2.1:8891#2", 4, bytes(1000));
        // then
        assertThat(h.of("192.0.2.2:8891").kept()).isEmpty();
        assertThat(ids(h, "192.0.2.1:8891")).containsExactly("192.0.2.1:8891#1", "192.0.2.1:8891#2");
        assertThat(ids(h, "192.0.2.3:8891")).containsExactly("192.0.2.3:8891#1");
        assertThat(h.keys()).isEqualTo(2);
        assertThat(h.evictedKeys()).isEqualTo(1);
        assertThat(h.bytes()).isLessThanOrEqualTo(h.maxBytes());
    }

    @Test
    void shouldStayWithinTheByteBudgetAndAccountEveryByteWhenManyIpPortsChange() {
        // given
        final Random random = new Random(6);
        final AlertHistory h = new AlertHistory(20, 200_000);
        // when: 20,000 alerts of 100..2,000 bytes over 500 ip:ports
        for (int i = 0; i < 20_000; i++) {
            final String key = "198.51.100." + random.nextInt(250) + ":" + (8000 + random.nextInt(2));
            h.add(key, key + "#" + i, i, bytes(100 + random.nextInt(1900)));
            // then, at every step
            assertThat(h.bytes()).isLessThanOrEqualTo(h.maxBytes());
        }
        long sum = 0;
        for (int a = 0; a < 250; a++) {
            for (int p = 8000; p < 8002; p++) {
                final List<AlertHistory.Kept> kept = h.of("198.51.100." + a + ":" + p).kept();
                assertThat(kept.size()).isLessThanOrEqualTo(20);
                sum += kept.stream().mapToLong(AlertHistory.Kept::cost).sum();
            }
        }
        assertThat(sum).isEqualTo(h.bytes());
        assertThat(h.evictedKeys()).isPositive();
    }

    @Test
    void shouldKeepOnlyTheNewestAlertOfASingleIpPortWhenItAloneExceedsTheBudget() {
        // given
        final AlertHistory h = new AlertHistory(10, 1500);
        // when
        h.add("192.0.2.1:8891", "192.0.2.1:8891#1", 1, bytes(1000));
        h.add("192.0.2.1:8891", "192.0.2.1:8891#2", 2, bytes(1000));
        // then
        assertThat(ids(h, "192.0.2.1:8891")).containsExactly("192.0.2.1:8891#2");
        assertThat(h.of("192.0.2.1:8891").truncated()).isTrue();
    }

    @Test
    void shouldReadTheTransitionNumberOfAnAlertId() {
        assertThat(AlertHistory.transitionNumber("[2001:db8::1]:8891#12")).isEqualTo(12);
        assertThat(AlertHistory.transitionNumber("192.0.2.1:8891")).isEqualTo(-1);
        assertThat(AlertHistory.transitionNumber("192.0.2.1:8891#x")).isEqualTo(-1);
    }
}
