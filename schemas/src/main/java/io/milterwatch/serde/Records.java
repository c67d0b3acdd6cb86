package io.milterwatch.serde;

import java.util.List;

import io.milterwatch.schema.Alert;
import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.FirewallWindow;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Severity;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.TargetHealth;
import io.milterwatch.schema.VantageObservation;
import io.milterwatch.schema.Zone;

/** The serdes of every record that travels on a topic or lives in a store, declared once. Serdes are shared. */
public final class Records {

    /** Every generated class; Avro is told to trust exactly these when it decodes. */
    static final List<Class<?>> GENERATED = List.of(Alert.class, Exposure.class, ExposureState.class, FirewallAction.class,
            FirewallEvent.class, FirewallWindow.class, MilterHandshake.class, Outcome.class, ProbeReason.class, ProbeRequest.class,
            ProbeResult.class, Severity.class, Target.class, TargetHealth.class, VantageObservation.class, Zone.class);

    public static final AvroSerde<Target> TARGET = AvroSerde.of(Target.class).withHistory();
    public static final AvroSerde<ProbeRequest> PROBE_REQUEST = AvroSerde.of(ProbeRequest.class).withHistory();
    public static final AvroSerde<ProbeResult> PROBE_RESULT = AvroSerde.of(ProbeResult.class).withHistory();
    public static final AvroSerde<FirewallEvent> FIREWALL_EVENT = AvroSerde.of(FirewallEvent.class).withHistory();
    public static final AvroSerde<ExposureState> EXPOSURE_STATE = AvroSerde.of(ExposureState.class).withHistory();
    public static final AvroSerde<Alert> ALERT = AvroSerde.of(Alert.class).withHistory();
    public static final AvroSerde<TargetHealth> TARGET_HEALTH = AvroSerde.of(TargetHealth.class).withHistory();

    /**
     * Every serde above. Each knows every schema its record was ever written with (the schema
     * history), so records on topics and in state-store changelogs written by any earlier version decode.
     */
    public static final List<AvroSerde<?>> ALL = List.of(TARGET, PROBE_REQUEST, PROBE_RESULT, FIREWALL_EVENT, EXPOSURE_STATE, ALERT,
            TARGET_HEALTH);

    private Records() {
    }
}
