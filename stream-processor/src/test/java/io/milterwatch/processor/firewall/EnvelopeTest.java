package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;

import io.milterwatch.schema.FirewallEvent;
import org.junit.jupiter.api.Test;

/** Syslog headers, shippers' JSON, and the times and hosts they give the event. */
class EnvelopeTest {

    private static final String BODY = "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=192.0.2.25 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 "
            + "DF PROTO=TCP SPT=51515 DPT=8891 WINDOW=64240 RES=0x00 SYN URGP=0";

    private static long ms(final String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    private static FirewallEvent event(final FirewallParser parser, final String line, final long ingest, final String hint) {
        final ParseResult r = parser.parse(line, new LineContext(ingest, "test", hint));
        assertThat(r.status()).as(r.reason()).isEqualTo(ParseStatus.EVENT);
        assertThat(r.event().getDstPort()).isEqualTo(8891);
        return r.event();
    }

    private static FirewallEvent event(final String line, final long ingest) {
        return event(new FirewallParser(), line, ingest, null);
    }

    @Test
    void shouldReadBsdHeadersWhenPriHostYearAndPaddingVary() {
        final long ingest = ms("2026-11-28T10:00:00Z");
        assertThat(event("Nov  8 09:59:01 mail kernel: " + BODY, ingest).getTimestampMs()).isEqualTo(ms("2026-11-08T09:59:01Z"));
        assertThat(event("Nov 08 09:59:01 mail kernel: " + BODY, ingest).getTimestampMs()).isEqualTo(ms("2026-11-08T09:59:01Z"));
        final FirewallEvent pri = event("<4>Nov 28 09:59:01 mail kernel: " + BODY, ingest);
        assertThat(pri.getDevice()).isEqualTo("mail");
        final FirewallEvent noHost = event("<4>Nov 28 09:59:01 kernel: " + BODY, ingest);
        assertThat(noHost.getDevice()).isNull();
        assertThat(noHost.getTimestampMs()).isEqualTo(ms("2026-11-28T09:59:01Z"));
        assertThat(event("Nov 28 2024 09:59:01 mail kernel: " + BODY, ingest).getTimestampMs()).isEqualTo(ms("2024-11-28T09:59:01Z"));
        assertThat(event("<4>" + BODY, ingest).getTimestampMs()).isEqualTo(ingest);
    }

    @Test
    void shouldInferLastYearWhenADecember31LineIsReadOnJanuary1() {
        // given
        final long ingest = ms("2027-01-01T00:00:30Z");

        // when
        final FirewallEvent e = event("Dec 31 23:59:58 mail kernel: " + BODY, ingest);

        // then
        assertThat(e.getTimestampMs()).isEqualTo(ms("2026-12-31T23:59:58Z"));
    }

    @Test
    void shouldInferNextYearWhenAJanuary1LineArrivesFromAClockThatRunsAhead() {
        assertThat(event("Jan  1 00:00:02 mail kernel: " + BODY, ms("2026-12-31T23:59:59Z")).getTimestampMs())
                .isEqualTo(ms("2027-01-01T00:00:02Z"));
    }

    @Test
    void shouldInferThisYearWhenTheLineIsMonthsOld() {
        assertThat(event("Jan 15 11:21:13 mail kernel: " + BODY, ms("2026-11-28T10:00:00Z")).getTimestampMs())
                .isEqualTo(ms("2026-01-15T11:21:13Z"));
        // Feb 29 only exists in a leap year: the latest one before the ingest time
        assertThat(event("Feb 29 12:00:00 mail kernel: " + BODY, ms("2026-11-28T10:00:00Z")).getTimestampMs())
                .isEqualTo(ms("2024-02-29T12:00:00Z"));
    }

    @Test
    void shouldApplyTheConfiguredZoneWhenTheHeaderHasNone() {
        // given
        final FirewallParser berlin = new FirewallParser(FirewallParserConfig.defaults().withZone(ZoneId.of("Europe/Berlin")));

        // when
        final FirewallEvent winter = event(berlin, "Nov 28 09:59:01 mail kernel: " + BODY, ms("2026-11-28T10:00:00Z"), null);
        final FirewallEvent summer = event(berlin, "Jul 28 09:59:01 mail kernel: " + BODY, ms("2026-11-28T10:00:00Z"), null);

        // then
        assertThat(winter.getTimestampMs()).isEqualTo(ms("2026-11-28T08:59:01Z"));
        assertThat(summer.getTimestampMs()).isEqualTo(ms("2026-07-28T07:59:01Z"));
    }

    @Test
    void shouldReadRfc5424HeadersWhenStructuredDataIsPresentOrNot() {
        final long ingest = ms("2026-11-28T10:00:00Z");
        final FirewallEvent sd = event("<4>1 2026-11-28T09:59:01.5+01:00 mail.example.org kernel - - [meta sequenceId=\"1\\]x\"] " + BODY,
                ingest);
        assertThat(sd.getTimestampMs()).isEqualTo(ms("2026-11-28T08:59:01.500Z"));
        assertThat(sd.getDevice()).isEqualTo("mail.example.org");
        final FirewallEvent nil = event("<4>1 - - kernel - - - " + BODY, ingest);
        assertThat(nil.getTimestampMs()).isEqualTo(ingest);
        assertThat(nil.getDevice()).isNull();
    }

    @Test
    void shouldTakeHostAndTimeFromJsonWhenTheLineHasNone() {
        // given
        final String filebeat = "{\"@timestamp\":\"2026-11-28T09:59:01.250Z\",\"host\":{\"name\":\"edge-1\"},\"message\":\"" + BODY + "\"}";
        final String journald = "{\"__REALTIME_TIMESTAMP\":\"1795859941000000\",\"_HOSTNAME\":\"edge-2\",\"MESSAGE\":\"" + BODY + "\"}";
        final String vector = "{\"timestamp\":\"2026-11-28T09:59:01Z\",\"host\":\"edge-3\",\"message\":\"Nov 28 09:58:00 fw kernel: "
                + BODY + "\"}";

        // when
        final FirewallEvent a = event(new FirewallParser(), filebeat, ms("2026-11-28T10:00:00Z"), "hint");
        final FirewallEvent b = event(new FirewallParser(), journald, ms("2026-11-28T10:00:00Z"), "hint");
        final FirewallEvent c = event(new FirewallParser(), vector, ms("2026-11-28T10:00:00Z"), "hint");

        // then
        assertThat(a.getDevice()).isEqualTo("edge-1");
        assertThat(a.getTimestampMs()).isEqualTo(ms("2026-11-28T09:59:01.250Z"));
        assertThat(a.getLine()).startsWith("{\"@timestamp\"");
        assertThat(b.getDevice()).isEqualTo("edge-2");
        assertThat(b.getTimestampMs()).isEqualTo(1_795_859_941_000L);
        // the line's own header wins over the envelope
        assertThat(c.getDevice()).isEqualTo("fw");
        assertThat(c.getTimestampMs()).isEqualTo(ms("2026-11-28T09:58:00Z"));
    }

    @Test
    void shouldUseTheDeviceHintWhenNothingElseNamesTheDevice() {
        assertThat(event(new FirewallParser(), BODY, ms("2026-11-28T10:00:00Z"), "from-key").getDevice()).isEqualTo("from-key");
    }

    @Test
    void shouldRejectJsonWhenItHasNoMessageOrIsBroken() {
        final FirewallParser parser = new FirewallParser();
        final ParseResult noMessage = parser.parse("{\"host\":\"x\"}", LineContext.at(0));
        assertThat(noMessage.status()).isEqualTo(ParseStatus.INVALID);
        assertThat(noMessage.reason()).contains("message");
        assertThat(parser.parse("{\"message\": \"trunc", LineContext.at(0)).reason()).contains("not JSON");
    }

    @Test
    void shouldSkipOtherProgramsWhenTheyShareTheSyslogStream() {
        final FirewallParser parser = new FirewallParser();
        final ParseResult dhcp = parser.parse("Sep 28 10:38:41 pfSense dhcpd[123]: DHCPACK on 10.0.2.20 to 00:11:22:33:44:55", LineContext.at(0));
        assertThat(dhcp.status()).isEqualTo(ParseStatus.SKIPPED);
        assertThat(dhcp.reason()).contains("dhcpd");
        final ParseResult ssh = parser.parse("<38>Nov 28 09:59:01 mail sshd[42]: Accepted publickey for root", LineContext.at(0));
        assertThat(ssh.status()).isEqualTo(ParseStatus.SKIPPED);
    }
}
