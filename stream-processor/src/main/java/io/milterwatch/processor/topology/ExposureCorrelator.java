package io.milterwatch.processor.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.milterwatch.processor.error.StoreDeadLetters;
import io.milterwatch.processor.logic.CorrelationPolicy;
import io.milterwatch.processor.logic.Decision;
import io.milterwatch.processor.logic.ExposureStateMachine;
import io.milterwatch.processor.logic.NetworkClassifier;
import io.milterwatch.processor.metrics.ProcessorMetrics;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the exposure state of each ip:port in a changelogged store and applies every probe result
 * (once per request, vantage and ip:port; redeliveries are only counted) and firewall event to it;
 * a wall-clock punctuator marks states STALE when their vantages stop reporting. Under
 * exactly_once_v2 the store update and the emitted alert commit together, so a crash and restart
 * neither repeats nor loses a transition. A stored state this version cannot decode goes to the DLQ
 * (see {@link StoreDeadLetters}) and is removed; its ip:port starts again from the next evidence.
 */
final class ExposureCorrelator implements Processor<String, CorrelationInput, String, Decision> {

    private static final Logger LOG = LoggerFactory.getLogger(ExposureCorrelator.class);

    private final NetworkClassifier classifier;
    private final CorrelationPolicy policy;
    private final Duration staleCheck;
    private final Duration stalePass;
    /** The last key the staleness check read; null: the next check starts at the first key. */
    private String staleCursor;
    private final ProcessorMetrics metrics;
    private ProcessorMetrics.EndpointCounts endpoints;
    private ProcessorContext<String, Decision> context;
    private KeyValueStore<String, ExposureState> states;
    private long unwatchedFirewallEvents;

    private final StoreDeadLetters deadLetters;
    /** Keys whose stored value could not be decoded when the task started; sent to the DLQ and removed by {@link #quarantine}. */
    private final Set<String> undecodable = new LinkedHashSet<>();
    private Cancellable quarantining;

    /** The fewest states a staleness check reads (a small store is read whole at every check). */
    static final int MIN_STALE_SLICE = 1000;

    ExposureCorrelator(final NetworkClassifier classifier, final CorrelationPolicy policy, final Duration staleCheck,
            final Duration stalePass, final ProcessorMetrics metrics, final StoreDeadLetters deadLetters) {
        this.classifier = classifier;
        this.policy = policy;
        this.staleCheck = staleCheck;
        this.stalePass = stalePass;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(final ProcessorContext<String, Decision> context) {
        this.context = context;
        this.states = context.getStateStore(MilterwatchTopology.EXPOSURE_STORE);
        context.schedule(staleCheck, PunctuationType.WALL_CLOCK_TIME, this::markStale);
        // The store is restored before init: counting it here makes the per-state gauge right
        // after a restart or a migration, without a scan per scrape.
        endpoints = metrics.endpoints(context.taskId().toString());
        try (KeyValueIterator<String, ExposureState> all = states.all()) {
            while (all.hasNext()) {
                final KeyValue<String, ExposureState> next = all.next();
                if (next.value == null) {
                    // Not decodable: dealt with at the first punctuation, where the store may be written.
                    StoreDeadLetters.discardPending();
                    undecodable.add(next.key);
                } else {
                    endpoints.moved(null, next.value.getState());
                }
            }
        }
        if (!undecodable.isEmpty()) {
            quarantining = context.schedule(Duration.ofMillis(1), PunctuationType.WALL_CLOCK_TIME, this::quarantine);
        }
    }

    /** Sends the values found undecodable at start to the DLQ and removes them from the store (and its changelog). */
    private void quarantine(final long now) {
        for (final String key : undecodable) {
            if (states.get(key) == null && deadLetters.claim(MilterwatchTopology.EXPOSURE_STORE, key, context.taskId().partition())) {
                states.delete(key);
                StoreDeadLetters.discardPending();
            }
        }
        undecodable.clear();
        quarantining.cancel();
    }

    /** The state of {@code key}; null when there is none, or when it could not be decoded (then sent to the DLQ). */
    private ExposureState state(final String key) {
        final ExposureState state = states.get(key);
        if (state == null && deadLetters.claim(MilterwatchTopology.EXPOSURE_STORE, key, context.taskId().partition())) {
            // Removed at once: evidence that makes no state (a firewall line, a redelivery) must not leave it to be sent again.
            undecodable.remove(key);
            states.delete(key);
            StoreDeadLetters.discardPending();
        }
        return state;
    }

    @Override
    public void close() {
        if (endpoints != null) {
            endpoints.close();
        }
    }

    @Override
    public void process(final Record<String, CorrelationInput> record) {
        final ExposureState previous = state(record.key());
        final Decision decision;
        if (record.value() instanceof CorrelationInput.Probe probe) {
            if (previous == null && unanswered(probe.result())) {
                // A closed or filtered port of a sweep that never answered: counted, never stored one by one.
                metrics.sweptUnanswered();
                return;
            }
            decision = ExposureStateMachine.apply(previous, probe.result());
        } else if (record.value() instanceof CorrelationInput.Duplicate duplicate) {
            decision = ExposureStateMachine.countDuplicate(previous);
            if (decision == null) {
                // The first result was applied before this store existed (or the state was removed): nothing to count in.
                LOG.debug("redelivered result of request {} for {} without a state", duplicate.result().getRequestId(), record.key());
                return;
            }
        } else if (record.value() instanceof CorrelationInput.Firewall firewall) {
            decision = ExposureStateMachine.applyFirewall(previous, firewall.event(), classifier.zoneOf(firewall.event().getSrcIp()), policy);
            if (decision == null) {
                // Traffic to an ip:port nobody watches: the common case, not an error.
                unwatchedFirewallEvents++;
                if (LOG.isDebugEnabled()) {
                    LOG.debug("firewall event for unwatched {} ({} so far)", record.key(), unwatchedFirewallEvents);
                }
                return;
            }
        } else {
            throw new IllegalStateException("unknown correlation input " + record.value());
        }
        states.put(record.key(), decision.state());
        endpoints.moved(previous == null ? null : previous.getState(), decision.state().getState());
        if (decision.transitioned()) {
            metrics.alert(decision.alert().getToState());
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: {} -> {}", record.key(), decision.alert().getFromState(), decision.alert().getToState());
            }
        }
        context.forward(record.withValue(decision));
    }

    /** A sweep's CLOSED or FILTERED result: creates no state for an ip:port that has none. */
    static boolean unanswered(final io.milterwatch.schema.ProbeResult result) {
        return result.getSweep() && (result.getOutcome() == io.milterwatch.schema.Outcome.CLOSED
                || result.getOutcome() == io.milterwatch.schema.Outcome.FILTERED);
    }

    /**
     * How many states one check reads so that every state is read once per {@code stalePass}: the
     * check's cost follows the store's size over the pass, not per check.
     */
    static long staleSlice(final long entries, final Duration check, final Duration pass) {
        if (pass.compareTo(check) <= 0) {
            return Long.MAX_VALUE;
        }
        final double share = (double) check.toMillis() / pass.toMillis();
        return Math.max(MIN_STALE_SLICE, (long) Math.ceil(entries * share));
    }

    /** Checks the next slice of the store for states whose vantages stopped reporting, continuing where the last check stopped. */
    private void markStale(final long now) {
        final List<KeyValue<String, Decision>> stale = new ArrayList<>();
        final List<Exposure> before = new ArrayList<>();
        final List<String> dead = new ArrayList<>();
        final long slice = staleSlice(states.approximateNumEntries(), staleCheck, stalePass);
        long read = 0;
        final String from = staleCursor;
        try (KeyValueIterator<String, ExposureState> all = from == null ? states.all() : states.range(from, null)) {
            String last = null;
            while (read < slice && all.hasNext()) {
                final KeyValue<String, ExposureState> next = all.next();
                if (next.key.equals(from)) {
                    continue;
                }
                read++;
                last = next.key;
                if (next.value == null) {
                    if (deadLetters.claim(MilterwatchTopology.EXPOSURE_STORE, next.key, context.taskId().partition())) {
                        dead.add(next.key);
                    }
                    continue;
                }
                final Decision d = ExposureStateMachine.checkStale(next.value, now, policy);
                if (d != null) {
                    stale.add(KeyValue.pair(next.key, d));
                    before.add(next.value.getState());
                }
            }
            staleCursor = all.hasNext() ? last : null;
        }
        metrics.staleScanned(read);
        for (final String key : dead) {
            undecodable.remove(key);
            states.delete(key);
            StoreDeadLetters.discardPending();
        }
        for (int i = 0; i < stale.size(); i++) {
            final KeyValue<String, Decision> s = stale.get(i);
            states.put(s.key, s.value.state());
            endpoints.moved(before.get(i), s.value.state().getState());
            if (s.value.transitioned()) {
                metrics.alert(s.value.alert().getToState());
            }
            LOG.debug("{}: {} -> STALE", s.key, s.value.alert().getFromState());
            context.forward(new Record<>(s.key, s.value, now));
        }
    }
}
