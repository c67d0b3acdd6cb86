package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.milterwatch.testing.Prerequisites;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeReason;
import io.milterwatch.schema.ProbeRequest;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Zone;
import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;
import io.milterwatch.worker.emulator.WellFormed;
import io.milterwatch.worker.scope.Scope;
import io.milterwatch.net.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The non-blocking engine against real listeners on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProbeEngineTest {

    private static final ProbeTimeouts TIMEOUTS = new ProbeTimeouts(1000, 700);
    private final List<ProbeEngine> engines = new ArrayList<>();

    /** The socket layer under test; {@link ProbeEngineNioTest} runs every test here again on Java NIO. */
    TransportKind transport() {
        Prerequisites.require(EpollTransport.available(), "Netty's native epoll does not load here: " + EpollTransport.unavailableReason());
        return TransportKind.EPOLL;
    }

    private EngineConfig defaults(final ProbeTimeouts timeouts) {
        return EngineConfig.defaults(timeouts).withTransport(transport());
    }

    private ProbeEngine engine(final EngineConfig config) {
        final ProbeEngine e = new ProbeEngine(config, "test", Zone.INTERNAL);
        engines.add(e);
        return e;
    }

    private ProbeEngine engine() {
        return engine(defaults(TIMEOUTS));
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(ProbeEngine::close);
    }

    @Test
    void shouldRunOnTheTransportAskedFor() {
        assertThat(engine().transport()).isEqualTo(transport().name().toLowerCase(java.util.Locale.ROOT));
    }

    private static ProbeOutcome probe(final ProbeEngine engine, final MilterEmulator e) {
        return engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port())).join();
    }

    private static void assertOnlyWellFormedFrames(final MilterEmulator e) {
        await().atMost(Duration.ofSeconds(10)).until(() -> e.received().size() == e.accepted());
        for (final byte[] sent : e.received()) {
            assertThat(WellFormed.problem(sent)).as(Arrays.toString(sent)).isNull();
        }
    }

    private static ProbeRequest request(final String host, final List<Integer> ports) {
        return ProbeRequest.newBuilder().setRequestId("r").setTargetId(host).setHost(host).setPorts(ports)
                .setReason(ProbeReason.MANUAL).setAllowedZones(List.of(Zone.INTERNAL)).setRequestedAtMs(0).setDeadlineMs(0).build();
    }

    @Test
    void shouldReportMilterAndSendOnlyOfferAndQuitWhenLibmilterAnswersV6() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // when
            final ProbeOutcome o = probe(engine(), e);
            // then
            assertThat(o.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(o.milter().getVersion()).isEqualTo(6);
            assertThat(o.milter().getOfferedVersion()).isEqualTo(6);
            assertThat(o.milter().getSymbols()).containsEntry("1", "j {daemon_name} {auth_type}").containsEntry("5", "{rcpt_addr}");
            assertThat(o.product()).isEqualTo("libmilter-based milter");
            assertThat(o.connectMs()).isNotNull();
            assertThat(o.firstByteMs()).isNotNull();
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6);
            assertThat(o.bytesSent()).isEqualTo(22);
            await().atMost(Duration.ofSeconds(5)).until(() -> !e.received().isEmpty());
            final byte[] sent = e.received().get(0);
            assertThat(Arrays.copyOf(sent, 17)).containsExactly(0, 0, 0, 0x0d, 0x4f, 0, 0, 0, 6, 0, 0, 1, (byte) 0xff, 0, 0x1f,
                    (byte) 0xff, (byte) 0xff);
            assertThat(Arrays.copyOfRange(sent, 17, sent.length)).containsExactly(0, 0, 0, 1, 0x51);
        }
    }

    @Test
    void shouldNameRspamdAndGoMilterWhenTheirRepliesCarryTheirMarks() throws IOException {
        try (MilterEmulator rspamd = MilterEmulator.start(Behaviour.RSPAMD);
             MilterEmulator go = MilterEmulator.start(Behaviour.GO_V2)) {
            final ProbeEngine engine = engine();
            final ProbeOutcome r = probe(engine, rspamd);
            assertThat(r.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(r.product()).isEqualTo("rspamd");
            assertThat(r.productReason()).startsWith("heuristic");
            final ProbeOutcome g = probe(engine, go);
            assertThat(g.outcome()).isEqualTo(Outcome.MILTER);
            assertThat(g.milter().getVersion()).isEqualTo(2);
            assertThat(g.product()).contains("non-libmilter");
            assertThat(g.handshakes()).containsExactly(Handshake.MILTER_V6);
        }
    }

    @Test
    void shouldAssembleTheReplyWhenItIsSplitOverSeveralWrites() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.SPLIT_WRITES)) {
            assertThat(probe(engine(), e).outcome()).isEqualTo(Outcome.MILTER);
        }
    }

    @Test
    void shouldRetryWithVersion2OnlyWhenTheV6OfferMetSilence() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.V2_ONLY)) {
            final ProbeOutcome o = probe(engine(), e);
            assertThat(o.outcome()).as(o.toString()).isEqualTo(Outcome.MILTER);
            assertThat(o.milter().getOfferedVersion()).isEqualTo(2);
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2);
            assertOnlyWellFormedFrames(e);
        }
    }

    @Test
    void shouldReportOtherServiceWithEscapedBannerWhenSmtpOrAnEchoAnswers() throws IOException {
        try (MilterEmulator smtp = MilterEmulator.start(Behaviour.SMTP);
             MilterEmulator echo = MilterEmulator.start(Behaviour.ECHO)) {
            final ProbeEngine engine = engine();
            final ProbeOutcome s = probe(engine, smtp);
            assertThat(s.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(s.product()).isEqualTo("SMTP");
            assertThat(s.banner()).startsWith("220 mx.example.test ESMTP\\r\\n");
            final ProbeOutcome o = probe(engine, echo);
            assertThat(o.outcome()).isEqualTo(Outcome.OTHER_SERVICE);
            assertThat(o.detail()).contains("echoed");
        }
    }

    @Test
    void shouldReportOpenSilentOnlyAfterBothProtocolsWereTriedWhenThePortSaysNothing() throws IOException {
        try (MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT)) {
            final ProbeOutcome o = probe(engine(), silent);
            assertThat(o.outcome()).isEqualTo(Outcome.OPEN_SILENT);
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);
            assertThat(o.detail()).contains("MILTER_V6: silent", "MILTER_V2: silent", "AXIMILTER: silent");
            assertThat(silent.accepted()).isEqualTo(3);
            assertOnlyWellFormedFrames(silent);
            assertThat(silent.closedByClient()).isEqualTo(3);
        }
    }

    @Test
    void shouldReportOpenSilentWhenThePortClosesEveryConnectionAtOnce() throws IOException {
        try (MilterEmulator closing = MilterEmulator.start(Behaviour.CLOSE_AT_ONCE)) {
            final ProbeOutcome o = probe(engine(), closing);
            assertThat(o.outcome()).isEqualTo(Outcome.OPEN_SILENT);
            assertThat(o.handshakes()).hasSize(3);
        }
    }

    @Test
    void shouldCarryTheRequestsLabelsIntoEachResultWhenTheTargetHasLabels() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // given: a request for a target added with --label owner=mail-team
            final ProbeRequest labelled = ProbeRequest.newBuilder(request("127.0.0.1", List.of(e.port())))
                    .setLabels(java.util.Map.of("owner", "mail-team")).build();
            // when
            final List<ProbeResult> results = engine().probe(labelled).join();
            // then: the processor carries them into the state and its alerts
            assertThat(results).singleElement().satisfies(r -> {
                assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER);
                assertThat(r.getLabels()).containsExactly(java.util.Map.entry("owner", "mail-team"));
            });
        }
    }

    @Test
    void shouldReportClosedWhenNothingListens() throws IOException {
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final ProbeOutcome o = engine().probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).join();
        assertThat(o.outcome()).isEqualTo(Outcome.CLOSED);
        assertThat(o.detail()).contains("refused");
        assertThat(o.connectMs()).isNull();
    }

    @Test
    void shouldDetectAximilterByPongAndTheEnvelopeErrorOnOneConnectionWhenItsPortGoesAximilterFirst() throws IOException {
        try (MilterEmulator axi = MilterEmulator.start(Behaviour.AXIMILTER)) {
            // given: the emulator's port is an AXIMilter port
            final ProbeEngine engine = engine(aximilterFirst(axi.port()));
            // when
            final ProbeOutcome o = probe(engine, axi);
            // then: PONG alone decided nothing; the envelope's URL-encoded error did
            assertThat(o.outcome()).isEqualTo(Outcome.AXIMILTER);
            assertThat(o.product()).isEqualTo("AXIGEN AXIMilter");
            assertThat(o.productReason()).contains("PONG", "ERROR: Could not open message file");
            assertThat(o.aximilterReply()).isEqualTo("ERROR:%20Could%20not%20open%20message%20file");
            assertThat(o.handshakes()).containsExactly(Handshake.AXIMILTER);
            await().atMost(Duration.ofSeconds(5)).until(() -> axi.received().size() == 1);
            final String sent = new String(axi.received().get(0), StandardCharsets.US_ASCII);
            assertThat(sent).startsWith("PING\r\nFROM: <>\r\n").contains("\r\nVERI: /nonexistent/").doesNotContain("%");
        }
    }

    @Test
    void shouldDetectAximilterWhenItPongsInLowerCaseAndPlusEncodesItsError() throws IOException {
        try (MilterEmulator axi = MilterEmulator.start(Behaviour.AXIMILTER_LOWER_CASE)) {
            final ProbeOutcome o = probe(engine(aximilterFirst(axi.port())), axi);
            assertThat(o.outcome()).isEqualTo(Outcome.AXIMILTER);
            assertThat(o.productReason()).contains("ERROR: Could not connect to Milter implementation");
            assertOnlyWellFormedFrames(axi);
        }
    }

    @Test
    void shouldNeverCallADaemonThatOnlyPongsAximilter() throws IOException {
        try (MilterEmulator pong = MilterEmulator.start(Behaviour.PONG_AND_CLOSE)) {
            // given: PONG to PING, an error to anything else, a close after every answer (clamd's manner)
            // when: probed on an AXIMilter port and on another port
            final ProbeOutcome first = probe(engine(aximilterFirst(pong.port())), pong);
            final ProbeOutcome other = probe(engine(), pong);
            // then
            for (final ProbeOutcome o : List.of(first, other)) {
                assertThat(o.outcome()).as(o.toString()).isEqualTo(Outcome.OTHER_SERVICE);
                assertThat(o.product()).isNull();
                assertThat(o.detail()).contains("PONG", "not AXIMilter");
                assertThat(o.handshakes()).endsWith(Handshake.AXIMILTER, Handshake.CLAMD_VERSION);
            }
            assertOnlyWellFormedFrames(pong);
        }
    }

    private EngineConfig aximilterFirst(final int port) {
        final EngineConfig d = defaults(TIMEOUTS);
        return new EngineConfig(d.timeouts(), 100, 10, 100, 8192, Set.of(port), d.defaultPorts(), 16, d.scope()).withTransport(transport());
    }

    @Test
    void shouldDetectAximilterAfterTheMilterOffersWhenItListensOnAnotherPort() throws IOException {
        try (MilterEmulator axi = MilterEmulator.start(Behaviour.AXIMILTER)) {
            final ProbeOutcome o = probe(engine(), axi);
            assertThat(o.outcome()).isEqualTo(Outcome.AXIMILTER);
            assertThat(o.handshakes()).containsExactly(Handshake.MILTER_V6, Handshake.MILTER_V2, Handshake.AXIMILTER);
            assertOnlyWellFormedFrames(axi);
        }
    }

    @Test
    void shouldDetectAximilterByTheEnvelopeErrorWhenItDoesNotKnowPing() throws IOException {
        try (MilterEmulator axi = MilterEmulator.start(Behaviour.AXIMILTER_NO_PING)) {
            final EngineConfig d = defaults(TIMEOUTS);
            final ProbeEngine engine = engine(new EngineConfig(d.timeouts(), 100, 10, 100, 8192, Set.of(axi.port()), d.defaultPorts(),
                    16, d.scope()).withTransport(transport()));
            final ProbeOutcome o = probe(engine, axi);
            assertThat(o.outcome()).isEqualTo(Outcome.AXIMILTER);
            assertThat(o.productReason()).contains("ERROR: Could not open message file");
            await().atMost(Duration.ofSeconds(5)).until(() -> axi.received().size() == 1);
            final String sent = new String(axi.received().get(0), StandardCharsets.US_ASCII);
            assertThat(sent).startsWith("PING\r\nFROM: <>\r\n").contains("\r\nVERI: /nonexistent/").doesNotContain("%");
            assertOnlyWellFormedFrames(axi);
        }
    }

    @Test
    void shouldRefuseWithoutConnectingWhenTheAddressIsOutOfScope() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // given: only 10.0.0.0/8 is in scope
            final ProbeEngine engine = engine(defaults(TIMEOUTS).withScope(Scope.parse("10.0.0.0/8", "none")));
            // when
            final ProbeOutcome direct = probe(engine, e);
            final List<ProbeResult> mapped = engine.probe(request("::ffff:127.0.0.1", List.of(e.port()))).join();
            final List<ProbeResult> named = engine.probe(request("localhost", List.of(e.port()))).join();
            // then
            assertThat(direct.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(direct.detail()).contains("out of scope", "127.0.0.1");
            assertThat(mapped).singleElement().satisfies(r -> {
                assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR);
                assertThat(r.getError()).contains("out of scope");
            });
            assertThat(named).isNotEmpty().allSatisfy(r -> assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR));
            assertThat(e.accepted()).isZero();
        }
    }

    @Test
    void shouldRefuseMetadataAndLinkLocalAddressesWhenTheAllowListCoversEverything() {
        // given: the default allow-list (everything)
        final ProbeEngine engine = engine();
        // when: no packet leaves, the scope refuses before any connect
        final List<ProbeResult> v4 = engine.probe(request("169.254.169.254", List.of(80))).join();
        final List<ProbeResult> v6 = engine.probe(request("fd00:ec2::254", List.of(80))).join();
        final List<ProbeResult> range = engine.probe(request("169.254.0.0/30", List.of(80))).join();
        // then
        assertThat(v4).singleElement().satisfies(r -> assertThat(r.getError()).contains("cloud metadata"));
        assertThat(v6).singleElement().satisfies(r -> assertThat(r.getError()).contains("cloud metadata"));
        assertThat(range).singleElement().satisfies(r -> {
            assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.getError()).contains("169.254.0.0/16");
        });
    }

    @Test
    void shouldProbeEveryAddressOfACidrAndOfANameWhenTheTargetIsARange() throws IOException {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            final ProbeEngine engine = engine();
            // when: a /30 of loopback has two hosts; only 127.0.0.1 listens
            final List<ProbeResult> range = engine.probe(request("127.0.0.0/30", List.of(e.port()))).join();
            final List<ProbeResult> bracketed = engine.probe(request("[::1]", List.of(e.port()))).join();
            // then
            assertThat(range).extracting(ProbeResult::getIp).containsExactly("127.0.0.1", "127.0.0.2");
            assertThat(range.get(0).getOutcome()).isEqualTo(Outcome.MILTER);
            assertThat(range.get(1).getOutcome()).isEqualTo(Outcome.CLOSED);
            assertThat(bracketed).singleElement().satisfies(r -> {
                assertThat(r.getIp()).isEqualTo("::1");
                assertThat(r.getOutcome()).isIn(Outcome.CLOSED, Outcome.ERROR);
            });
        }
    }

    @Test
    void shouldProbeEveryResolvedAddressWhenTheTargetIsADnsName() throws Exception {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // given: what the resolver says of localhost (127.0.0.1, and ::1 where /etc/hosts lists it)
            final List<String> expected = Arrays.stream(InetAddress.getAllByName("localhost"))
                    .map(io.milterwatch.kafka.Endpoints::canonical).toList();
            // when
            final List<ProbeResult> r = engine().probe(request("localhost", List.of(e.port()))).join();
            // then: one result per address; the listener on 127.0.0.1 is a milter
            assertThat(r).extracting(ProbeResult::getIp).containsExactlyElementsOf(expected);
            assertThat(r).filteredOn(x -> x.getIp().equals("127.0.0.1")).singleElement()
                    .satisfies(x -> assertThat(x.getOutcome()).isEqualTo(Outcome.MILTER));
            assertThat(r).allSatisfy(x -> assertThat(x.getHost()).isEqualTo("localhost"));
        }
    }

    @Test
    void shouldConnectToNoAddressOfANameWhenOneOfItsAddressesIsLinkLocalOrCloudMetadata() throws Exception {
        try (MilterEmulator e = MilterEmulator.start(Behaviour.LIBMILTER_V6)) {
            // given: names that resolve to the listener's address and to a refused one
            final InetAddress listener = InetAddress.getLoopbackAddress();
            final InetAddress metadata = InetAddress.getByName("169.254.169.254");
            final InetAddress mapped = java.net.Inet6Address.getByAddress(null, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF,
                    (byte) 169, (byte) 254, (byte) 169, (byte) 254}, -1);
            final InetAddress linkLocal = InetAddress.getByName("fe80::1");
            final java.util.Map<String, List<InetAddress>> zone = java.util.Map.of("metadata.example.test", List.of(listener, metadata),
                    "mapped.example.test", List.of(mapped, listener), "link-local.example.test", List.of(listener, linkLocal),
                    "fine.example.test", List.of(listener));
            final ProbeEngine engine = new ProbeEngine(defaults(TIMEOUTS), "test", Zone.INTERNAL, name -> {
                final List<InetAddress> a = zone.get(name);
                if (a == null) {
                    throw new java.net.UnknownHostException(name);
                }
                return a;
            });
            engines.add(engine);
            // when
            final List<ProbeResult> refused = new ArrayList<>();
            for (final String name : List.of("metadata.example.test", "mapped.example.test", "link-local.example.test")) {
                refused.addAll(engine.probe(request(name, List.of(e.port()))).join());
            }
            // then: every address of those names is answered ERROR with the reason, none connected to
            assertThat(refused).hasSize(6).allSatisfy(r -> {
                assertThat(r.getOutcome()).isEqualTo(Outcome.ERROR);
                assertThat(r.getConnectMs()).isNull();
                assertThat(r.getError()).contains("name '" + r.getHost() + "' resolves to");
            });
            assertThat(refused).filteredOn(r -> r.getIp().equals("127.0.0.1")).hasSize(3)
                    .allSatisfy(r -> assertThat(r.getError()).startsWith("not probed: ").contains("every address it resolves to is in scope"));
            assertThat(refused).filteredOn(r -> r.getHost().startsWith("metadata")).extracting(ProbeResult::getError)
                    .allSatisfy(m -> assertThat(m).contains("169.254.169.254").contains("cloud metadata"));
            assertThat(refused).filteredOn(r -> r.getHost().startsWith("mapped")).extracting(ProbeResult::getError)
                    .allSatisfy(m -> assertThat(m).contains("169.254.169.254").contains("embedded in ::ffff:"));
            assertThat(refused).filteredOn(r -> r.getHost().startsWith("link-local")).extracting(ProbeResult::getError)
                    .allSatisfy(m -> assertThat(m).contains("fe80::1").contains("fe80::/10"));
            assertThat(e.accepted()).as("connections to the listener the names also resolve to").isZero();
            // and: the same listener under a name with no refused address is probed
            assertThat(engine.probe(request("fine.example.test", List.of(e.port()))).join()).singleElement()
                    .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER));
            assertThat(e.accepted()).isEqualTo(1);
        }
    }

    @Test
    void shouldReportAnErrorNamingTheHostWhenTheNameDoesNotResolve() {
        final List<ProbeResult> r = engine().probe(request("no-such-host.invalid", List.of(8891, 1981))).join();
        assertThat(r).hasSize(2).allSatisfy(x -> {
            assertThat(x.getOutcome()).isEqualTo(Outcome.ERROR);
            assertThat(x.getError()).contains("cannot resolve host 'no-such-host.invalid'");
        });
    }

    @Test
    void shouldDetectAMilterOverIpv6WhenTheTargetIsAnIpv6LiteralOrRange() throws IOException {
        final InetAddress v6 = Cidr.literal("::1");
        final MilterEmulator e;
        try {
            e = MilterEmulator.start(Behaviour.LIBMILTER_V6, v6);
        } catch (final IOException noIpv6) {
            // skipped with the reason (failed under CI=true): a machine without ::1 cannot run this
            throw Prerequisites.missing("no IPv6 loopback (::1) on this machine: " + noIpv6.getMessage());
        }
        try (e) {
            final ProbeEngine engine = engine();
            final List<ProbeResult> literal = engine.probe(request("::1", List.of(e.port()))).join();
            final List<ProbeResult> range = engine.probe(request("::1/128", List.of(e.port()))).join();
            assertThat(literal).singleElement().satisfies(r -> {
                assertThat(r.getIp()).isEqualTo("::1");
                assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER);
            });
            assertThat(range).singleElement().satisfies(r -> assertThat(r.getOutcome()).isEqualTo(Outcome.MILTER));
            assertOnlyWellFormedFrames(e);
        }
    }

    @Test
    void shouldRefuseARangeLargerThanTheLimitWithAClearReason() {
        final List<ProbeResult> r = engine().probe(request("10.0.0.0/8", List.of(8891, 1981))).join();
        assertThat(r).hasSize(2).allSatisfy(x -> {
            assertThat(x.getOutcome()).isEqualTo(Outcome.ERROR);
            assertThat(x.getError()).contains("16777216 addresses", "worker.cidr.max.addresses=4096");
        });
    }

    @Test
    void shouldReportBadTargetWhenTheHostIsMalformed() {
        final List<ProbeResult> r = engine().probe(request("mx..example", List.of(8891))).join();
        assertThat(r).singleElement().satisfies(x -> assertThat(x.getError()).startsWith("bad target:").contains("mx..example"));
    }

    @Test
    void shouldKeepPerHostConcurrencyWithinItsLimitWhenManyProbesTargetOneAddress() throws IOException {
        try (MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT)) {
            // given: at most 3 probes at once per address
            final ProbeEngine engine = engine(defaults(new ProbeTimeouts(1000, 200)).withLimits(1000, 3, 10_000));
            // when
            final List<CompletableFuture<ProbeOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                all.add(engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.port())));
            }
            // then
            assertThat(all).allSatisfy(f -> assertThat(f.join().outcome()).isEqualTo(Outcome.OPEN_SILENT));
            assertThat(silent.accepted()).isEqualTo(36);
            assertThat(engine.peakHostActive()).isEqualTo(3);
            assertThat(engine.peakOpenSockets()).isEqualTo(3);
        }
    }

    @Test
    void shouldKeepGlobalInFlightWithinItsLimitWhenMoreProbesArrive() throws IOException {
        try (MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT)) {
            final ProbeEngine engine = engine(defaults(new ProbeTimeouts(1000, 200)).withLimits(2, 100, 10_000));
            final List<CompletableFuture<ProbeOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.port())));
            }
            assertThat(all).allSatisfy(f -> assertThat(f.join().outcome()).isEqualTo(Outcome.OPEN_SILENT));
            assertThat(engine.peakOpenSockets()).isEqualTo(2);
        }
    }

    @Test
    void shouldKeepEveryLimitAndAnswerEveryProbeWhenSeveralReactorsShareTheAddresses() throws IOException {
        // given: four addresses, each a silent port, probed by an engine of three reactors; at most 5 in flight
        // in all and 2 per address
        final List<MilterEmulator> silent = new ArrayList<>();
        try {
            for (int i = 1; i <= 4; i++) {
                silent.add(MilterEmulator.start(Behaviour.SILENT, InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i})));
            }
            final ProbeEngine engine = engine(defaults(new ProbeTimeouts(1000, 150)).withLimits(5, 2, 10_000).withReactors(3));
            // when: 40 probes, 10 per address
            final List<CompletableFuture<ProbeOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                final MilterEmulator e = silent.get(i % 4);
                all.add(engine.probe(new InetSocketAddress(e.address(), e.port())));
            }
            // then: every probe ends, each tried all three handshakes, and no limit was ever passed
            assertThat(all).allSatisfy(f -> assertThat(f.join().outcome()).isEqualTo(Outcome.OPEN_SILENT));
            assertThat(silent).allSatisfy(e -> assertThat(e.accepted()).isEqualTo(30));
            assertThat(engine.peakHostActive()).isEqualTo(2);
            assertThat(engine.peakOpenSockets()).isEqualTo(5);
            assertThat(engine.inFlight()).isZero();
            assertThat(engine.queued()).isZero();
        } finally {
            for (final MilterEmulator e : silent) {
                e.close();
            }
        }
    }

    @Test
    void shouldForgetPerAddressStateWhenTheAddressesAreIdleAgain() throws IOException {
        // given: one start per second per address, so three ports of one address leave rate debt behind
        final int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        final ProbeEngine engine = engine(defaults(TIMEOUTS).withLimits(100, 10, 1));
        // when
        final CompletableFuture<List<ProbeResult>> running = engine.probe(request("127.0.0.0/29", List.of(closed, closed, closed)));
        // then: the six addresses are tracked while their probes wait for the rate...
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.trackedAddresses() == 6);
        final List<ProbeResult> r = running.join();
        // ...every probe ran, and their state is dropped once the debt is paid
        assertThat(r).hasSize(18).allSatisfy(x -> assertThat(x.getOutcome()).isEqualTo(Outcome.CLOSED));
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.trackedAddresses() == 0);
    }

    @Test
    void shouldLetGoOfEveryProbeOnceItIsFinishedAndNotAtItsOldDeadline() throws IOException {
        try (MilterEmulator milter = MilterEmulator.start(Behaviour.LIBMILTER_V6);
             MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT)) {
            // given: deadlines far in the future (30 s connect and reply timeouts)
            final ProbeEngine engine = engine(defaults(new ProbeTimeouts(30_000, 30_000)).withReactors(2));
            final InetSocketAddress silentPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.port());
            final CompletableFuture<ProbeOutcome> waiting = engine.probe(silentPort);
            // when: 300 probes finish long before their deadlines
            final List<CompletableFuture<ProbeOutcome>> done = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                done.add(engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), milter.port())));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
            assertThat(done).allSatisfy(f -> assertThat(f.join().outcome()).isEqualTo(Outcome.MILTER));
            // then: only the probe still waiting for the silent port is held by a timer
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(engine.heldTimers()).isEqualTo(1));
            assertThat(waiting).isNotDone();
        }
    }

    @Test
    void shouldFinishEveryProbeWithAnErrorWhenTheEngineClosesMidway() throws IOException {
        try (MilterEmulator silent = MilterEmulator.start(Behaviour.SILENT)) {
            final ProbeEngine engine = new ProbeEngine(defaults(new ProbeTimeouts(1000, 30_000)), "t", Zone.INTERNAL);
            final CompletableFuture<ProbeOutcome> f = engine.probe(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.port()));
            await().atMost(Duration.ofSeconds(5)).until(() -> silent.accepted() == 1);
            engine.close();
            assertThat(f.join().outcome()).isEqualTo(Outcome.ERROR);
            assertThat(f.join().detail()).contains("closed");
        }
    }
}
