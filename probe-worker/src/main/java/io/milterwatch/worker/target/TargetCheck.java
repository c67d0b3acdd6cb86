package io.milterwatch.worker.target;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import io.milterwatch.net.Cidr;
import io.milterwatch.schema.PortRange;
import io.milterwatch.worker.probe.EngineConfig;

/**
 * The one validator of a target's host and ports, used by the worker before it probes and by
 * {@code targets add}, {@code targets import} and {@code probe} before they accept a target, so
 * that the command line refuses exactly what the worker would refuse. It needs no lookup: a DNS
 * name is checked against the allowed domains only; its addresses are checked when the worker
 * resolves it at probe time.
 */
public final class TargetCheck {

    /** Most endpoints (addresses times ports) one target may expand to: one host's every port, or a /20 on 16 ports. */
    public static final int MAX_ENDPOINTS = 65_536;

    private TargetCheck() {
    }

    /**
     * The ports a target names: a plain list as given; with ranges, every port once, in port order; the configured defaults when it names none.
     * A range is expanded here only, never carried as a list on a topic.
     */
    public static List<Integer> ports(final List<Integer> ports, final List<PortRange> ranges, final List<Integer> defaults) {
        if (ports.isEmpty() && ranges.isEmpty()) {
            return defaults;
        }
        if (ranges.isEmpty()) {
            return ports; // as the request names them, as before ranges existed
        }
        final BitSet set = new BitSet(65_536);
        for (final int p : ports) {
            set.set(p);
        }
        for (final PortRange r : ranges) {
            set.set(r.getFirst(), r.getLast() + 1);
        }
        final List<Integer> out = new ArrayList<>(set.cardinality());
        for (int p = set.nextSetBit(0); p >= 0; p = set.nextSetBit(p + 1)) {
            out.add(p);
        }
        return out;
    }

    /**
     * Null when the worker would probe the target (names still need to resolve in scope), else the
     * reason it would refuse it, in words that name the bad part.
     */
    public static String problem(final String host, final List<Integer> ports, final List<PortRange> ranges, final EngineConfig config) {
        final String portProblem = portProblem(ports, ranges);
        if (portProblem != null) {
            return portProblem;
        }
        final TargetHost parsed;
        try {
            parsed = TargetHost.parse(host);
        } catch (final IllegalArgumentException e) {
            return e.getMessage();
        }
        final int portCount = ports(ports, ranges, config.defaultPorts()).size();
        if (parsed instanceof TargetHost.Range range) {
            return rangeProblem(range.cidr(), portCount, config);
        }
        if (parsed instanceof TargetHost.Literal literal) {
            return config.scope().check(literal.address());
        }
        return config.scope().checkName(((TargetHost.Name) parsed).name());
    }

    /** Null when every port and range is within 1..65535 and every range runs upwards. */
    public static String portProblem(final List<Integer> ports, final List<PortRange> ranges) {
        for (final int p : ports) {
            if (p < 1 || p > 65_535) {
                return "port " + p + " is outside 1..65535";
            }
        }
        for (final PortRange r : ranges) {
            if (r.getFirst() < 1 || r.getLast() > 65_535 || r.getFirst() > r.getLast()) {
                return "port range " + r.getFirst() + "-" + r.getLast() + " is not within 1..65535 in ascending order";
            }
        }
        return null;
    }

    /** Null when the worker would expand and probe the range on {@code portCount} ports. */
    public static String rangeProblem(final Cidr cidr, final int portCount, final EngineConfig config) {
        if (cidr.size().compareTo(BigInteger.valueOf(config.cidrMaxAddresses())) > 0) {
            return "range " + cidr + " has " + cidr.size() + " addresses, more than worker.cidr.max.addresses="
                    + config.cidrMaxAddresses() + "; split it into smaller ranges";
        }
        final long endpoints = cidr.size().longValue() * portCount;
        if (endpoints > MAX_ENDPOINTS) {
            return "range " + cidr + " on " + portCount + " ports is " + endpoints + " endpoints, more than " + MAX_ENDPOINTS
                    + " per target; split the range or name fewer ports";
        }
        return config.scope().check(cidr);
    }
}
