package io.milterwatch.worker.probe;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import io.milterwatch.worker.scope.Scope;

/**
 * Bounds and policy of a probe engine.
 *
 * @param timeouts              connect timeout per connection; reply timeout per handshake stage
 * @param maxInFlight           probes (ip:port) in flight at once, over all hosts
 * @param hostConcurrency       probes in flight at once per address
 * @param hostRatePerSecond     probes started per second per address
 * @param maxReplyBytes         bytes read per connection at most; memory is about
 *                              {@code maxInFlight * maxReplyBytes} at worst
 * @param aximilterFirstPorts   ports where the AXIMilter handshake goes first
 * @param defaultPorts          ports probed when a request names none
 * @param cidrMaxAddresses      largest CIDR range one request may expand to
 * @param scope                 which targets may be probed
 * @param sourceAddress         local address every probe connection is bound to, or null for the system's choice
 * @param reactors              selector threads; each address belongs to one of them (its limits stay exact), the
 *                              in-flight limit is shared
 * @param transport             socket layer of the reactors: epoll (Linux, Netty's native transport) or Java NIO
 */
public record EngineConfig(
        ProbeTimeouts timeouts,
        int maxInFlight,
        int hostConcurrency,
        int hostRatePerSecond,
        int maxReplyBytes,
        Set<Integer> aximilterFirstPorts,
        List<Integer> defaultPorts,
        int cidrMaxAddresses,
        Scope scope,
        InetAddress sourceAddress,
        int reactors,
        TransportKind transport) {

    /** Without a source address: the system chooses. */
    public EngineConfig(final ProbeTimeouts timeouts, final int maxInFlight, final int hostConcurrency, final int hostRatePerSecond,
            final int maxReplyBytes, final Set<Integer> aximilterFirstPorts, final List<Integer> defaultPorts, final int cidrMaxAddresses,
            final Scope scope) {
        this(timeouts, maxInFlight, hostConcurrency, hostRatePerSecond, maxReplyBytes, aximilterFirstPorts, defaultPorts, cidrMaxAddresses,
                scope, null, 1, TransportKind.AUTO);
    }

    public EngineConfig {
        if (maxInFlight < 1 || hostConcurrency < 1 || hostRatePerSecond < 1 || cidrMaxAddresses < 1 || reactors < 1) {
            throw new IllegalArgumentException("engine limits must be positive");
        }
        if (maxReplyBytes < 64) {
            throw new IllegalArgumentException("maxReplyBytes " + maxReplyBytes + " is below 64");
        }
        if (transport == null) {
            throw new IllegalArgumentException("transport must be given (AUTO, EPOLL or NIO)");
        }
        aximilterFirstPorts = Set.copyOf(aximilterFirstPorts);
        defaultPorts = List.copyOf(defaultPorts);
    }

    /** Defaults of the worker settings, with the given timeouts: for tests and the bench. */
    public static EngineConfig defaults(final ProbeTimeouts timeouts) {
        return new EngineConfig(timeouts, 4096, 64, 10_000, 8192, Set.of(1981), List.of(1981, 8891, 8893, 11332), 4096,
                Scope.everywhere());
    }

    public EngineConfig withLimits(final int inFlight, final int perHost, final int perHostRate) {
        return new EngineConfig(timeouts, inFlight, perHost, perHostRate, maxReplyBytes, aximilterFirstPorts, defaultPorts,
                cidrMaxAddresses, scope, sourceAddress, reactors, transport);
    }

    public EngineConfig withScope(final Scope newScope) {
        return new EngineConfig(timeouts, maxInFlight, hostConcurrency, hostRatePerSecond, maxReplyBytes, aximilterFirstPorts,
                defaultPorts, cidrMaxAddresses, newScope, sourceAddress, reactors, transport);
    }

    public EngineConfig withReactors(final int count) {
        return new EngineConfig(timeouts, maxInFlight, hostConcurrency, hostRatePerSecond, maxReplyBytes, aximilterFirstPorts, defaultPorts,
                cidrMaxAddresses, scope, sourceAddress, count, transport);
    }

    public EngineConfig withMaxReplyBytes(final int bytes) {
        return new EngineConfig(timeouts, maxInFlight, hostConcurrency, hostRatePerSecond, bytes, aximilterFirstPorts, defaultPorts,
                cidrMaxAddresses, scope, sourceAddress, reactors, transport);
    }

    public EngineConfig withTransport(final TransportKind kind) {
        return new EngineConfig(timeouts, maxInFlight, hostConcurrency, hostRatePerSecond, maxReplyBytes, aximilterFirstPorts, defaultPorts,
                cidrMaxAddresses, scope, sourceAddress, reactors, kind);
    }
}
