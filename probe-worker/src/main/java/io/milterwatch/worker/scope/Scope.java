package io.milterwatch.worker.scope;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.milterwatch.kafka.Endpoints;
import io.milterwatch.net.Cidr;

/**
 * Which addresses and names a worker may probe. A target is in scope when its name (if it has one)
 * lies in an allowed domain (when any domain is configured) and every address it resolves to lies
 * in an allowed CIDR. Some ranges are refused even when the allow-list covers them, unless they are
 * named explicitly in the unsafe allow-list: link-local and cloud metadata services. Addresses that
 * can never be a probe target (unspecified, multicast, broadcast) are refused always.
 *
 * <p>An IPv6 address that embeds an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96,
 * 6to4, Teredo) is judged as that IPv4 address too, so {@code ::ffff:169.254.169.254} or
 * {@code 64:ff9b::a9fe:a9fe} do not bypass a refusal of 169.254.169.254.
 */
public final class Scope {

    /** Refused unless in the unsafe allow-list: link-local and cloud metadata endpoints. */
    public static final List<Cidr> SENSITIVE = List.of(
            Cidr.parse("169.254.0.0/16"),        // IPv4 link-local, incl. 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata)
            Cidr.parse("fe80::/10"),             // IPv6 link-local
            Cidr.parse("fd00:ec2::254/128"),     // AWS metadata over IPv6
            Cidr.parse("100.100.100.200/32"),    // Alibaba Cloud metadata
            Cidr.parse("168.63.129.16/32"));     // Azure WireServer

    /** Never a probe target. */
    public static final List<Cidr> NEVER = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("224.0.0.0/4"), Cidr.parse("255.255.255.255/32"),
            Cidr.parse("::/128"), Cidr.parse("ff00::/8"));

    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    private static final Cidr TEREDO = Cidr.parse("2001::/32");

    private final List<Cidr> allowed;
    private final List<String> domains;
    private final List<Cidr> unsafeAllowed;

    public Scope(final List<Cidr> allowed, final List<String> domains, final List<Cidr> unsafeAllowed) {
        this.allowed = List.copyOf(allowed);
        this.domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        this.unsafeAllowed = List.copyOf(unsafeAllowed);
    }

    /** Everything but the sensitive ranges: 0.0.0.0/0 and ::/0. */
    public static Scope everywhere() {
        return parse("0.0.0.0/0,::/0", "none");
    }

    /**
     * @param allow  comma-separated CIDRs, address literals and domain names
     * @param unsafe comma-separated CIDRs inside the sensitive ranges to allow anyway, or "none"
     */
    public static Scope parse(final String allow, final String unsafe) {
        final List<Cidr> cidrs = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        for (final String part : allow.split(",")) {
            final String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.indexOf('/') >= 0 || Cidr.literal(p) != null) {
                cidrs.add(Cidr.parse(p));
            } else if (p.matches("(?i)\\*?\\.?[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.?")) {
                names.add(p.replaceFirst("^\\*?\\.", "").replaceFirst("\\.$", ""));
            } else {
                throw new IllegalArgumentException("'" + p + "' is neither a CIDR range, an address nor a domain name");
            }
        }
        final List<Cidr> unsafeCidrs = new ArrayList<>();
        if (!unsafe.isBlank() && !unsafe.trim().equalsIgnoreCase("none")) {
            for (final String part : unsafe.split(",")) {
                if (!part.isBlank()) {
                    unsafeCidrs.add(Cidr.parse(part));
                }
            }
        }
        return new Scope(cidrs, names, unsafeCidrs);
    }

    /** Null when a target given by this name may be probed at all (its addresses are checked separately). */
    public String checkName(final String name) {
        if (domains.isEmpty()) {
            return null;
        }
        final String n = name.toLowerCase(Locale.ROOT);
        for (final String d : domains) {
            if (n.equals(d) || n.endsWith("." + d)) {
                return null;
            }
        }
        return "out of scope: name '" + name + "' is in none of the allowed domains " + domains + " (worker.scope.allow)";
    }

    /** Null when the address may be probed, else the reason it may not. */
    public String check(final InetAddress address) {
        final String own = checkOne(address);
        if (own != null) {
            return own;
        }
        final Inet4Address embedded = embeddedIpv4(address);
        if (embedded != null) {
            final String inner = checkOne(embedded);
            if (inner != null) {
                return inner + " (embedded in " + Endpoints.canonical(address) + ")";
            }
        }
        return null;
    }

    /** Null when every address of the range may be probed. */
    public String check(final Cidr range) {
        for (final Cidr never : NEVER) {
            if (never.overlaps(range)) {
                return "out of scope: " + range + " overlaps " + never + ", which is never a probe target";
            }
        }
        for (final Cidr sensitive : SENSITIVE) {
            if (sensitive.overlaps(range) && unsafeAllowed.stream().noneMatch(u -> u.encloses(intersection(sensitive, range)))) {
                return "out of scope: " + range + " overlaps " + sensitive
                        + " (link-local or cloud metadata), which is refused unless listed in worker.scope.unsafe.allow";
            }
        }
        if (allowed.stream().noneMatch(a -> a.encloses(range))) {
            return "out of scope: " + range + " is not inside the allowed ranges " + allowed + " (worker.scope.allow)";
        }
        return null;
    }

    private static Cidr intersection(final Cidr a, final Cidr b) {
        return a.prefix() >= b.prefix() ? a : b;
    }

    private String checkOne(final InetAddress address) {
        final String text = Endpoints.canonical(address);
        for (final Cidr never : NEVER) {
            if (never.contains(address)) {
                return "out of scope: " + text + " is in " + never + ", which is never a probe target";
            }
        }
        for (final Cidr sensitive : SENSITIVE) {
            if (sensitive.contains(address) && unsafeAllowed.stream().noneMatch(u -> u.contains(address))) {
                return "out of scope: " + text + " is in " + sensitive
                        + " (link-local or cloud metadata), refused unless listed in worker.scope.unsafe.allow";
            }
        }
        if (allowed.stream().noneMatch(a -> a.contains(address))) {
            return "out of scope: " + text + " is not inside the allowed ranges " + allowed + " (worker.scope.allow)";
        }
        return null;
    }

    /** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo), or null. */
    static Inet4Address embeddedIpv4(final InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return null;
        }
        final byte[] b = address.getAddress();
        byte[] v4 = null;
        boolean prefix80zero = true;
        for (int i = 0; i < 10; i++) {
            prefix80zero &= b[i] == 0;
        }
        if (prefix80zero && ((b[10] == (byte) 0xFF && b[11] == (byte) 0xFF) || (b[10] == 0 && b[11] == 0))) {
            v4 = new byte[] {b[12], b[13], b[14], b[15]};
        } else if (NAT64.contains(address)) {
            v4 = new byte[] {b[12], b[13], b[14], b[15]};
        } else if (SIX_TO_FOUR.contains(address)) {
            v4 = new byte[] {b[2], b[3], b[4], b[5]};
        } else if (TEREDO.contains(address)) {
            v4 = new byte[] {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
        }
        if (v4 == null || (v4[0] == 0 && v4[1] == 0 && v4[2] == 0 && (v4[3] == 0 || v4[3] == 1))) {
            return null; // :: and ::1 are not IPv4-compatible addresses
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(v4);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "allow " + allowed + " domains " + domains + " unsafe " + unsafeAllowed;
    }
}
