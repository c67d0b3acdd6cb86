package io.milterwatch.processor.topology;

import java.util.List;
import java.util.UUID;

import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;

/** The probe request that firewall evidence calls for: this one ip:port, from every vantage, now. */
final class Reprobes {

    private Reprobes() {
    }

    static ProbeRequest request(final ExposureState state, final ProcessorConfig config) {
        final long now = System.currentTimeMillis();
        return ProbeRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setTargetId(state.getTargetId())
                .setHost(state.getIp())
                .setPorts(List.of(state.getPort()))
                .setReason(ProbeReason.FIREWALL_EVIDENCE)
                .setAllowedZones(state.getAllowedZones())
                .setLabels(state.getLabels())
                .setRequestedAtMs(now)
                .setDeadlineMs(now + config.requestDeadline().toMillis())
                .build();
    }
}
