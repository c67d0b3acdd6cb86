package io.milterwatch.cli;

import java.util.ArrayList;
import java.util.List;

import io.milterwatch.net.Cidr;
import io.milterwatch.schema.PortRange;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.target.TargetCheck;

/**
 * A target as a user types it: {@code HOST:PORTS}, {@code [IPV6]:PORTS}, a bare IPv6 literal, a bare
 * host (the worker's default milter ports), or a CIDR range with or without ports
 * ({@code 192.0.2.0/28}, {@code 192.0.2.0/28:8891}, {@code 2001:db8::/120}, {@code [2001:db8::/120]:8891}).
 * PORTS is a port, a range or a comma-separated list of both: {@code 8891}, {@code 1-65535},
 * {@code 1981,8891,11332-11335}. Single ports travel in {@code ports}, ranges in {@code portRanges}
 * (never one list element per port of a range). The worker expands an address range, up to its size
 * limit. The id is the text as normalised here.
 *
 * <p>{@link #parse} checks the syntax; {@link #check} applies the worker's own validator
 * ({@link TargetCheck}) with the worker's settings, so that nothing is accepted here that the
 * worker would refuse.
 */
record TargetSpec(String id, String host, List<Integer> ports, List<PortRange> portRanges) {

    /** Longest host name DNS allows; with brackets, ports and a prefix length, a target is never longer than MAX_TEXT. */
    static final int MAX_HOST = 253;
    static final int MAX_TEXT = MAX_HOST + 200;

    TargetSpec(final String id, final String host, final List<Integer> ports) {
        this(id, host, ports, List.of());
    }

    /** Parses {@code text} and applies the worker's validator with {@code config}: the one check of add, import and probe. */
    static TargetSpec parse(final String text, final EngineConfig config) {
        return parse(text).check(config);
    }

    /** This target, or IllegalArgumentException with the reason the worker would refuse it. */
    TargetSpec check(final EngineConfig config) {
        final String problem = TargetCheck.problem(host, ports, portRanges, config);
        if (problem != null) {
            throw new IllegalArgumentException("'" + id + "': " + problem);
        }
        return this;
    }

    /** The ports as typed back: {@code default}, {@code 8891} or {@code 1-1024,8891}. */
    String portsText() {
        return portsText(ports, portRanges);
    }

    static String portsText(final List<Integer> ports, final List<PortRange> ranges) {
        if (ports.isEmpty() && ranges.isEmpty()) {
            return "default";
        }
        final List<String> parts = new ArrayList<>();
        ranges.forEach(r -> parts.add(r.getFirst() + "-" + r.getLast()));
        ports.forEach(p -> parts.add(Integer.toString(p)));
        return String.join(",", parts);
    }

    static TargetSpec parse(final String text) {
        final String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty target; expected HOST:PORT, [IPV6]:PORT or HOST");
        }
        if (s.length() > MAX_TEXT) {
            throw new IllegalArgumentException("'" + printable(s.substring(0, 40)) + "...': " + s.length()
                    + " characters; a target is at most " + MAX_TEXT + " (a host name at most " + MAX_HOST + ")");
        }
        final TargetSpec spec = parseChecked(s);
        if (spec.host().length() > MAX_HOST) {
            throw new IllegalArgumentException("'" + printable(s.substring(0, 40)) + "...': host is longer than " + MAX_HOST + " characters");
        }
        return spec;
    }

    private static TargetSpec parseChecked(final String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == '%') {
                throw new IllegalArgumentException("'" + printable(s) + "': forbidden character (code " + (int) c + ")");
            }
        }
        if (s.startsWith("[")) {
            final int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + s + "': missing ']' after the IPv6 address");
            }
            final String host = s.substring(1, close);
            final String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                return new TargetSpec(s, host, List.of());
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("'" + s + "': expected ':PORTS' after ']'");
            }
            return withPorts(s, host, rest.substring(1));
        }
        final int slash = s.indexOf('/');
        if (slash >= 0) {
            return range(s, slash);
        }
        final int colon = s.indexOf(':');
        if (colon < 0) {
            return new TargetSpec(s, s, List.of());
        }
        if (s.indexOf(':', colon + 1) >= 0) {
            return bareIpv6(s);
        }
        if (colon == 0) {
            throw new IllegalArgumentException("'" + s + "': missing host before ':'");
        }
        return withPorts(s, s.substring(0, colon), s.substring(colon + 1));
    }

    /**
     * More than one colon and no brackets: a bare IPv6 literal on the default ports. When its last
     * group could also be read as a port ({@code 2001:db8::1:8891}), it is refused as ambiguous.
     */
    private static TargetSpec bareIpv6(final String s) {
        final int last = s.lastIndexOf(':');
        final String tail = s.substring(last + 1);
        final String head = s.substring(0, last);
        if (tail.matches("[0-9,-]+") && (tail.contains(",") || tail.contains("-"))) {
            throw new IllegalArgumentException("'" + s + "': write an IPv6 address with ports in brackets: [" + head + "]:" + tail);
        }
        if (tail.matches("[0-9]{1,5}") && Integer.parseInt(tail) >= 1 && Integer.parseInt(tail) <= 65_535
                && head.indexOf(':') >= 0 && !head.endsWith(":") && Cidr.literal(head) != null) {
            throw new IllegalArgumentException("'" + s + "': ambiguous; write [" + head + "]:" + tail + " for port " + tail + " on "
                    + head + ", or [" + s + "] for the address " + s + " on the default ports");
        }
        return new TargetSpec(s, s, List.of());
    }

    /** {@code A.B.C.D/N}, {@code A.B.C.D/N:PORTS} or a bare IPv6 range {@code X::/N}. */
    private static TargetSpec range(final String s, final int slash) {
        final String prefix = s.substring(0, slash);
        final String rest = s.substring(slash + 1);
        final int colon = rest.indexOf(':');
        if (prefix.indexOf(':') >= 0 || colon < 0) {
            checkPrefixLength(s, colon < 0 ? rest : rest.substring(0, colon), prefix.indexOf(':') >= 0 ? 128 : 32);
            if (colon >= 0) {
                throw new IllegalArgumentException("'" + s + "': write an IPv6 range with ports as [PREFIX/LEN]:PORTS");
            }
            return new TargetSpec(s, s, List.of());
        }
        checkPrefixLength(s, rest.substring(0, colon), 32);
        return withPorts(s, s.substring(0, slash + 1 + colon), rest.substring(colon + 1));
    }

    private static void checkPrefixLength(final String whole, final String text, final int max) {
        try {
            final int len = Integer.parseInt(text);
            if (len < 0 || len > max) {
                throw new IllegalArgumentException("'" + whole + "': prefix length " + len + " is outside 0.." + max);
            }
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + whole + "': '" + text + "' is not a prefix length");
        }
    }

    /** PORTS: {@code P}, {@code P-Q} or a comma-separated list of both; a one-port range is a port. */
    private static TargetSpec withPorts(final String whole, final String host, final String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("'" + whole + "': missing port after ':'");
        }
        final List<Integer> ports = new ArrayList<>();
        final List<PortRange> ranges = new ArrayList<>();
        for (final String item : text.split(",", -1)) {
            final int dash = item.indexOf('-');
            if (dash < 0) {
                final int p = port(whole, item);
                if (!ports.contains(p)) {
                    ports.add(p);
                }
                continue;
            }
            final int first = port(whole, item.substring(0, dash));
            final int last = port(whole, item.substring(dash + 1));
            if (first > last) {
                throw new IllegalArgumentException("'" + whole + "': port range " + item + " runs downwards; write " + last + "-" + first);
            }
            if (first == last) {
                ports.add(first);
            } else {
                ranges.add(new PortRange(first, last));
            }
        }
        return new TargetSpec(whole, host, List.copyOf(ports), List.copyOf(ranges));
    }

    private static int port(final String whole, final String text) {
        if (!text.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("'" + whole + "': '" + text + "' is not a port number");
        }
        final int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + whole + "': port " + port + " is outside 1..65535");
        }
        return port;
    }

    private static String printable(final String s) {
        return s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
