package io.milterwatch.processor.logic;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.ExposureState;

/**
 * The new state of an ip:port after one piece of evidence; the alert if the state changed; and
 * whether the evidence calls for an immediate probe ({@code FIREWALL_EVIDENCE}).
 */
public record Decision(ExposureState state, Alert alert, boolean reprobe) {

    public Decision(final ExposureState state, final Alert alert) {
        this(state, alert, false);
    }

    public boolean transitioned() {
        return alert != null;
    }
}
