package io.milterwatch.processor.logic;

import io.milterwatch.schema.Exposure;
import io.milterwatch.schema.ExposureState;
import io.milterwatch.schema.Outcome;

/**
 * Firewall commands that take a milter port off untrusted networks while the mail host (the MTA
 * that talks to the milter) stays allowed. They name the milter's real port, never the SMTP port:
 * blocking 25, as the AXIMilter advisory suggests "as an example", stops mail.
 */
public final class RemediationHint {

    private RemediationHint() {
    }

    /**
     * The hint for an ip:port as it stands: for {@code EXPOSED} and {@code REGRESSED} (the states
     * whose alerts carry one), null otherwise. AXIMilter when any vantage saw one.
     */
    public static String forState(final ExposureState state) {
        if (state.getState() != Exposure.EXPOSED && state.getState() != Exposure.REGRESSED) {
            return null;
        }
        final boolean aximilter = state.getVantages().values().stream().anyMatch(v -> v.getOutcome() == Outcome.AXIMILTER);
        return forPort(state.getIp(), state.getPort(), aximilter ? "AXIGEN AXIMilter" : state.getProduct());
    }

    public static String forPort(final String ip, final int port, final String product) {
        final boolean v6 = ip.indexOf(':') >= 0;
        final String family = v6 ? "ipv6" : "ipv4";
        final String ipt = v6 ? "ip6tables" : "iptables";
        final String saddr = v6 ? "ip6 saddr" : "ip saddr";
        final String loop = v6 ? "::1" : "127.0.0.1";
        final StringBuilder b = new StringBuilder();
        if (port == 1981 || "AXIGEN AXIMilter".equals(product)) {
            b.append("AXIMilter needs no network exposure: set its bind address to ").append(loop)
                    .append(" in /etc/opt/axigen/aximilter.conf and restart it, or filter ").append(port).append("/tcp as below.\n");
        }
        b.append("Allow ").append(port).append("/tcp on ").append(ip).append(" only from the mail server (MTA_IP) and loopback; keep port 25 open:\n");
        b.append("  ").append(ipt).append(" -I INPUT -p tcp --dport ").append(port).append(" -j DROP\n");
        b.append("  ").append(ipt).append(" -I INPUT -p tcp --dport ").append(port).append(" -s MTA_IP -j ACCEPT\n");
        b.append("  ").append(ipt).append(" -I INPUT -p tcp --dport ").append(port).append(" -s ").append(loop).append(" -j ACCEPT\n");
        b.append("  nft add rule inet filter input tcp dport ").append(port).append(' ').append(saddr).append(" != { ").append(loop)
                .append(", MTA_IP } drop\n");
        b.append("  firewall-cmd --permanent --remove-port=").append(port).append("/tcp && firewall-cmd --permanent --add-rich-rule='rule family=\"")
                .append(family).append("\" source address=\"MTA_IP\" port port=\"").append(port)
                .append("\" protocol=\"tcp\" accept' && firewall-cmd --reload\n");
        b.append("  ufw allow from MTA_IP to any port ").append(port).append(" proto tcp && ufw deny ").append(port).append("/tcp\n");
        b.append("Then verify: milterwatch keeps probing and reports REMEDIATED once the outside is refused and the inside still answers.");
        return b.toString();
    }
}
