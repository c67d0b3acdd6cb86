package io.milterwatch.processor.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InvalidLinesTest {

    private final FirewallParser parser = new FirewallParser();

    private ParseResult parse(final String line) {
        return parser.parse(line, LineContext.at(1_795_859_941_000L));
    }

    @Test
    void shouldNameTheProblemWhenTheLineIsEmptyNullOrHuge() {
        assertThat(parse("").reason()).isEqualTo("empty line");
        assertThat(parse("   \t ").reason()).isEqualTo("empty line");
        assertThat(parse(null).status()).isEqualTo(ParseStatus.INVALID);
        assertThat(parse("x".repeat(70_000)).reason()).contains("70000 characters");
    }

    @Test
    void shouldSayUnknownFormatWhenNoFormatRecognisesTheLine() {
        final ParseResult r = parse("hello world");
        assertThat(r.status()).isEqualTo(ParseStatus.INVALID);
        assertThat(r.format()).isNull();
        assertThat(r.reason()).startsWith("unknown format").contains("hello world");
    }

    @Test
    void shouldRejectTheLineWhenTwoLinesAreGluedTogether() {
        final ParseResult r = parse("[UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4\rDST=5.6.7.8 PROTO=TCP SPT=1 DPT=25 WINDOW=1");
        assertThat(r.status()).isEqualTo(ParseStatus.INVALID);
        assertThat(r.reason()).contains("control character");
    }

    @Test
    void shouldRejectASyslogHeaderWhenItHasNoMessage() {
        assertThat(parse("Nov 28 09:59:01 mail").status()).isEqualTo(ParseStatus.INVALID);
    }

    @Test
    void shouldRejectAFormatsLineWhenItsValuesAreImpossible() {
        assertThat(parse("Sep 28 10:38:41 pfSense filterlog: 6,,,1000102434,em0,match,block,out,5,0x0").reason()).contains("IP version");
        assertThat(parse("Sep 28 10:38:41 pfSense filterlog: 6,,,1000102434,em0,match,block,out,4,0x0,,64,0,0,DF,6,tcp,40,10.0.2.15")
                .reason()).contains("truncated");
        assertThat(parse("2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 99999 6 20 4249 1418530010 1418530070 ACCEPT OK")
                .reason()).contains("65535");
        assertThat(parse("2026-11-28 08:05:57 DROP UDP 123.45.78.900 1.2.3.4 137 137 78 - - - - - - - RECEIVE").reason())
                .contains("src-ip");
    }
}
