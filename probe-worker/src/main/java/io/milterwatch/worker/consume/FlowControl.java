package io.milterwatch.worker.consume;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Keeps the consumer polling, and so in its group, however long probes take, while bounding the
 * requests in flight: at the bound every assigned partition is paused (the poll then only keeps
 * the membership alive) and resumed once probes end. Polls made while probes were in flight are
 * counted as keep-alive polls. Confined to the poll thread.
 */
final class FlowControl {

    private final int maxInFlight;
    private final AtomicLong keepAlivePolls = new AtomicLong();

    FlowControl(final int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " is below 1");
        }
        this.maxInFlight = maxInFlight;
    }

    /** Pauses or resumes the assigned partitions for the requests now in flight; call before each poll. */
    void beforePoll(final Consumer<?, ?> consumer, final int inFlight) {
        if (inFlight > 0) {
            keepAlivePolls.incrementAndGet();
        }
        if (inFlight >= maxInFlight) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    long keepAlivePolls() {
        return keepAlivePolls.get();
    }
}
