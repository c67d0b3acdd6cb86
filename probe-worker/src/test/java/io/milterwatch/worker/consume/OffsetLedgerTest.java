package io.milterwatch.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("requests", 0);
    private static final TopicPartition P1 = new TopicPartition("requests", 1);

    private final OffsetLedger ledger = new OffsetLedger();

    @Test
    void shouldCommitOnlyUpToTheLastContiguousDoneRecordWhenRecordsEndOutOfOrder() {
        // given: three records of one partition in flight
        final OffsetLedger.Ticket slow = ledger.take(P0, 10);
        final OffsetLedger.Ticket middle = ledger.take(P0, 11);
        final OffsetLedger.Ticket fast = ledger.take(P0, 12);
        // when: the last one ends first
        assertThat(ledger.done(fast)).isTrue();
        // then: nothing may be committed yet
        assertThat(ledger.advance()).isEmpty();
        assertThat(ledger.inFlight()).isEqualTo(2);
        // when: the first ends: commit up to it only
        ledger.done(slow);
        assertThat(ledger.advance()).containsExactly(Map.entry(P0, new OffsetAndMetadata(11)));
        // when: the middle one ends: the run reaches the fast one
        ledger.done(middle);
        assertThat(ledger.advance()).containsExactly(Map.entry(P0, new OffsetAndMetadata(13)));
        assertThat(ledger.advance()).as("nothing advanced since").isEmpty();
        assertThat(ledger.inFlight()).isZero();
    }

    @Test
    void shouldTrackPartitionsApartWhenOneIsHeldUp() {
        ledger.take(P0, 0);
        final OffsetLedger.Ticket other = ledger.take(P1, 5);
        ledger.done(other);
        assertThat(ledger.advance()).containsExactly(Map.entry(P1, new OffsetAndMetadata(6)));
    }

    @Test
    void shouldIgnoreCompletionsOfAForgottenEpochWhenAPartitionWasRewound() {
        // given
        final OffsetLedger.Ticket before = ledger.take(P0, 0);
        ledger.forget(List.of(P0));
        assertThat(ledger.inFlight()).isZero();
        // when: the record is delivered again and the old probe ends first
        final OffsetLedger.Ticket again = ledger.take(P0, 0);
        // then: the old completion counts for nothing
        assertThat(ledger.done(before)).isFalse();
        assertThat(ledger.advance()).isEmpty();
        assertThat(ledger.done(again)).isTrue();
        assertThat(ledger.advance()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
    }

    @Test
    void shouldStartAPartitionOverWhenAnOffsetComesAgainUnannounced() {
        final OffsetLedger.Ticket first = ledger.take(P0, 3);
        final OffsetLedger.Ticket again = ledger.take(P0, 3);
        assertThat(ledger.inFlight()).isEqualTo(1);
        assertThat(ledger.done(first)).isFalse();
        assertThat(ledger.done(again)).isTrue();
        assertThat(ledger.done(again)).as("done twice").isFalse();
        assertThat(ledger.advance()).containsExactly(Map.entry(P0, new OffsetAndMetadata(4)));
    }

    @Test
    void shouldGiveOnlyTheRevokedPartitionsOffsetsWhenAskedForThem() {
        ledger.done(ledger.take(P0, 0));
        ledger.done(ledger.take(P1, 0));
        assertThat(ledger.advance(List.of(P1))).containsExactly(Map.entry(P1, new OffsetAndMetadata(1)));
        assertThat(ledger.advance()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
    }
}
