package io.milterwatch.processor.topology;

import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;

/** What the target-health task hears about a target id: it was registered or changed, removed, or probed. */
sealed interface HealthInput {

    /** The target as registered (the targets topic). */
    record Registered(Target target) implements HealthInput {
    }

    /** A tombstone on the targets topic. */
    record Removed() implements HealthInput {
    }

    /** A health observation from {@link TargetHealthObserver}. */
    record Observed(TargetHealth observation) implements HealthInput {
    }
}
