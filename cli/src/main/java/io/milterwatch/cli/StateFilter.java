package io.milterwatch.cli;

import java.net.InetAddress;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.net.Cidr;
import io.milterwatch.schema.ExposureState;

/**
 * Which exposure states {@code milterwatch state TARGET} shows. An {@code ip:port} (IPv6 in
 * brackets) names one endpoint; a bare address every port of it; a CIDR range every endpoint
 * inside it (with {@code :PORT}, that port only); anything else (a host name, with or without a
 * port) matches the states of the target registered under exactly that id.
 */
record StateFilter(String text, String key, Cidr range, Integer port, String targetId) {

    static StateFilter parse(final String text) {
        final TargetSpec spec = TargetSpec.parse(text);
        final Integer port = spec.ports().isEmpty() ? null : spec.ports().get(0);
        final String host = spec.host();
        if (host.indexOf('/') >= 0) {
            return new StateFilter(spec.id(), null, Cidr.parse(host), port, null);
        }
        final InetAddress literal = Cidr.literal(host);
        if (literal == null) {
            return new StateFilter(spec.id(), null, null, null, spec.id());
        }
        if (port != null) {
            return new StateFilter(spec.id(), Endpoints.key(literal, port), null, null, null);
        }
        return new StateFilter(spec.id(), null, Cidr.parse(host), null, null);
    }

    boolean matches(final ExposureState s) {
        if (key != null) {
            return key.equals(s.getKey());
        }
        if (targetId != null) {
            return targetId.equals(s.getTargetId());
        }
        if (port != null && port != s.getPort()) {
            return false;
        }
        final InetAddress ip = Cidr.literal(s.getIp());
        return ip != null && range.contains(ip);
    }
}
