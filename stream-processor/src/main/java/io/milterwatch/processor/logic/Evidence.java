package io.milterwatch.processor.logic;

import io.milterwatch.schema.Outcome;

/** What one outcome says about whether a milter answers: yes, no, or nothing (the probe could not run). */
public enum Evidence {
    ANSWERS, SILENT_OR_REFUSED, NONE;

    public static Evidence of(final Outcome outcome) {
        return switch (outcome) {
            case MILTER, AXIMILTER -> ANSWERS;
            case CLOSED, FILTERED, OPEN_SILENT, OTHER_SERVICE -> SILENT_OR_REFUSED;
            case ERROR -> NONE;
        };
    }
}
