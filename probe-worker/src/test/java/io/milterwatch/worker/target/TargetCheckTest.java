package io.milterwatch.worker.target;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.PortRange;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import io.milterwatch.worker.probe.EngineConfig;
import io.milterwatch.worker.probe.ProbeEngine;
import io.milterwatch.worker.probe.ProbeTimeouts;
import io.milterwatch.worker.probe.TransportKind;
import io.milterwatch.worker.scope.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one validator of targets, and the proof that it is the worker's: every host it refuses, the
 * probe engine answers with ERROR results only, without a connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TargetCheckTest {

    /** The worker's defaults: scope 0.0.0.0/0,::/0, no unsafe ranges, ranges up to 4096 addresses. */
    private static final EngineConfig DEFAULTS = EngineConfig.defaults(new ProbeTimeouts(1000, 700)).withTransport(TransportKind.NIO);

    private ProbeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "127.2.256.1      | host '127.2.256.1' is not a valid IPv4 address",
            "127.1            | host '127.1' is not a valid IPv4 address",
            "0177.0.0.1       | host '0177.0.0.1' has an octet with a leading zero",
            "127.000.0.1      | host '127.000.0.1' has an octet with a leading zero",
            "2130706433       | host '2130706433' is not a valid IPv4 address",
            "user@127.0.0.1   | host 'user@127.0.0.1' is neither an address, a CIDR range nor a valid DNS name",
            "0.0.0.0          | out of scope: 0.0.0.0 is in 0.0.0.0/8, which is never a probe target",
            "255.255.255.255  | out of scope: 255.255.255.255 is in 255.255.255.255/32, which is never a probe target",
            "224.0.0.1        | out of scope: 224.0.0.1 is in 224.0.0.0/4, which is never a probe target",
            "ff02::1          | out of scope: ff02::1 is in ff00::/8, which is never a probe target",
            "[ff02::1]        | out of scope: ff02::1 is in ff00::/8, which is never a probe target",
            "0.0.0.0/0        | range 0.0.0.0/0 has 4294967296 addresses, more than worker.cidr.max.addresses=4096",
            "::/0             | range ::/0 has 340282366920938463463374607431768211456 addresses, more than worker.cidr.max.addresses=4096",
            "10.0.0.0/19      | range 10.0.0.0/19 has 8192 addresses, more than worker.cidr.max.addresses=4096",
            "0.0.0.0/24       | out of scope: 0.0.0.0/24 overlaps 0.0.0.0/8, which is never a probe target",
            "169.254.169.254  | out of scope: 169.254.169.254 is in 169.254.0.0/16 (link-local or cloud metadata)",
            "169.254.0.0/28   | out of scope: 169.254.0.0/28 overlaps 169.254.0.0/16 (link-local or cloud metadata)",
            "::ffff:169.254.169.254 | out of scope: 169.254.169.254 is in 169.254.0.0/16",
            "2001:db8::g      | host '2001:db8::g' is not a valid IPv6 address",
    })
    void shouldRefuseWhatTheWorkerRefusesWhenTheHostCannotBeProbed(final String host, final String reason) {
        // when
        final String problem = TargetCheck.problem(host, List.of(8891), List.of(), DEFAULTS);
        final List<ProbeResult> results = engine().probe(request(host, List.of(8891), List.of())).join();
        // then
        assertThat(problem).startsWith(reason);
        assertThat(results).isNotEmpty().allSatisfy(r -> {
            assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.getError()).contains(reason);
            assertThat(r.getConnectMs()).isNull();
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"127.0.0.1", "::1", "2001:db8::1", "192.0.2.0/28", "mx.example.org", "xn--bcher-kva.example",
            "10.0.0.0/20"})
    void shouldAcceptWhatTheWorkerProbesWhenTheHostIsValidAndInScope(final String host) {
        assertThat(TargetCheck.problem(host, List.of(8891), List.of(), DEFAULTS)).isNull();
    }

    @Test
    void shouldRefuseARangeWhoseAddressesTimesPortsExceedTheLimitWhenSwept() {
        // given: 16 addresses on every port is 1,048,560 endpoints
        final List<PortRange> all = List.of(new PortRange(1, 65_535));
        // when
        final String problem = TargetCheck.problem("192.0.2.0/28", List.of(), all, DEFAULTS);
        final List<ProbeResult> results = engine().probe(request("192.0.2.0/28", List.of(), all)).join();
        // then
        assertThat(problem).isEqualTo("range 192.0.2.0/28 on 65535 ports is 1048560 endpoints, more than 65536 per target;"
                + " split the range or name fewer ports");
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.getError()).contains(problem).contains("sweep of 65535 ports not run");
        });
        assertThat(TargetCheck.problem("127.0.0.1", List.of(), all, DEFAULTS)).isNull();
        assertThat(TargetCheck.problem("mx.example.org", List.of(), all, DEFAULTS)).isNull();
        assertThat(TargetCheck.problem("192.0.2.0/28", List.of(1981, 8891, 11332), List.of(), DEFAULTS)).isNull();
    }

    @Test
    void shouldRefuseANameOutsideTheAllowedDomainsWhenDomainsAreConfigured() {
        final EngineConfig config = DEFAULTS.withScope(Scope.parse("127.0.0.0/8,example.org", "none"));
        assertThat(TargetCheck.problem("mx.example.org", List.of(), List.of(), config)).isNull();
        assertThat(TargetCheck.problem("mx.example.com", List.of(), List.of(), config))
                .isEqualTo("out of scope: name 'mx.example.com' is in none of the allowed domains [example.org] (worker.scope.allow)");
        assertThat(TargetCheck.problem("192.0.2.1", List.of(), List.of(), config))
                .isEqualTo("out of scope: 192.0.2.1 is not inside the allowed ranges [127.0.0.0/8] (worker.scope.allow)");
    }

    @Test
    void shouldNameTheBadPortWhenAPortOrRangeIsOutOfBounds() {
        assertThat(TargetCheck.problem("127.0.0.1", List.of(0), List.of(), DEFAULTS)).isEqualTo("port 0 is outside 1..65535");
        assertThat(TargetCheck.problem("127.0.0.1", List.of(), List.of(new PortRange(10, 5)), DEFAULTS))
                .isEqualTo("port range 10-5 is not within 1..65535 in ascending order");
        assertThat(TargetCheck.problem("127.0.0.1", List.of(), List.of(new PortRange(1, 65_536)), DEFAULTS))
                .isEqualTo("port range 1-65536 is not within 1..65535 in ascending order");
    }

    @Test
    void shouldExpandPortsAndRangesSortedWithoutRepeatsWhenGivenBoth() {
        assertThat(TargetCheck.ports(List.of(8891, 25), List.of(new PortRange(20, 26), new PortRange(8890, 8892)), List.of(1981)))
                .containsExactly(20, 21, 22, 23, 24, 25, 26, 8890, 8891, 8892);
        assertThat(TargetCheck.ports(List.of(), List.of(), List.of(1981, 8891))).containsExactly(1981, 8891);
        assertThat(TargetCheck.ports(List.of(), List.of(new PortRange(1, 65_535)), List.of())).hasSize(65_535);
    }

    @Test
    void shouldFindTheMilterAndMarkEveryResultASweepWhenARangeIsSwept() throws IOException {
        try (MilterEmulator milter = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // given: eleven ports around the emulator's; other listeners on this machine may answer too
            final int first = Math.max(1, milter.port() - 5);
            final List<PortRange> range = List.of(new PortRange(first, first + 10));
            // when
            final List<ProbeResult> results = engine().probe(request("127.0.0.1", List.of(), range)).join();
            // then
            assertThat(results).hasSize(11).allSatisfy(r -> assertThat(r.getSweep()).isTrue());
            assertThat(results).extracting(ProbeResult::getPort).containsExactlyElementsOf(TargetCheck.ports(List.of(), range, List.of()));
            assertThat(results).filteredOn(r -> r.getPort() == milter.port()).singleElement()
                    .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER));
        }
    }

    private ProbeEngine engine() {
        if (engine == null) {
            engine = new ProbeEngine(DEFAULTS, "test", Zone.INTERNAL);
        }
        return engine;
    }

    private static ProbeRequest request(final String host, final List<Integer> ports, final List<PortRange> ranges) {
        return ProbeRequest.newBuilder().setRequestId("r").setTargetId(host).setHost(host).setPorts(ports).setPortRanges(ranges)
                .setReason(ProbeReason.MANUAL).setAllowedZones(List.of(Zone.INTERNAL)).setRequestedAtMs(0).setDeadlineMs(0).build();
    }
}
