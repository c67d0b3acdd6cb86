package io.milterwatch.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class FlowControlTest {

    private static final TopicPartition P0 = new TopicPartition("requests", 0);
    private static final TopicPartition P1 = new TopicPartition("requests", 1);

    @Test
    void shouldPauseAtTheBoundAndResumeBelowItWhileCountingKeepAlivePolls() {
        // given
        final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(P0, P1));
        final FlowControl flow = new FlowControl(3);
        // when / then
        flow.beforePoll(consumer, 0);
        assertThat(consumer.paused()).isEmpty();
        assertThat(flow.keepAlivePolls()).isZero();
        flow.beforePoll(consumer, 3);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        flow.beforePoll(consumer, 2);
        assertThat(consumer.paused()).isEmpty();
        assertThat(flow.keepAlivePolls()).as("polls made with probes in flight").isEqualTo(2);
    }

    @Test
    void shouldRefuseABoundBelowOne() {
        assertThatThrownBy(() -> new FlowControl(0)).hasMessageContaining("maxInFlight 0");
    }
}
