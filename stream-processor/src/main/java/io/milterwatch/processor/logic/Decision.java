package io.milterwatch.processor.logic;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.ExposureState;

/** The new state of an ip:port after one piece of evidence, and the alert if the state changed. */
public record Decision(ExposureState state, Alert alert) {

    public boolean transitioned() {
        return alert != null;
    }
}
