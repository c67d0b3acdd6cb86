package io.milterwatch.processor.topology;

import io.milterwatch.processor.logic.Decision;
import io.milterwatch.processor.logic.ExposureStateMachine;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.ProbeResult;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the exposure state of each ip:port in a changelogged store and applies every probe result
 * to it. Under exactly_once_v2 the store update and the emitted alert commit together, so a crash
 * and restart neither repeats nor loses a transition.
 */
final class ExposureCorrelator implements Processor<String, ProbeResult, String, Decision> {

    private static final Logger LOG = LoggerFactory.getLogger(ExposureCorrelator.class);
    private ProcessorContext<String, Decision> context;
    private KeyValueStore<String, ExposureState> states;

    @Override
    public void init(final ProcessorContext<String, Decision> context) {
        this.context = context;
        this.states = context.getStateStore(MilterwatchTopology.EXPOSURE_STORE);
    }

    @Override
    public void process(final Record<String, ProbeResult> record) {
        final ExposureState previous = states.get(record.key());
        final Decision decision = ExposureStateMachine.apply(previous, record.value());
        states.put(record.key(), decision.state());
        if (decision.transitioned()) {
            LOG.info("{}: {} -> {}", record.key(), decision.alert().getFromState(), decision.alert().getToState());
        }
        context.forward(record.withValue(decision));
    }
}
