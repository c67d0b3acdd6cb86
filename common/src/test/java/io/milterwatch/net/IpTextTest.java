package io.milterwatch.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import io.milterwatch.kafka.Endpoints;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpTextTest {

    @ParameterizedTest
    @CsvSource({
            "192.0.2.25, 192.0.2.25",
            "010.001.000.001, 10.1.0.1",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "2001:DB8::1, 2001:db8::1",
            "fe80:0000:0000:0000:16da:e9ff:feec:a04d, fe80::16da:e9ff:feec:a04d",
            "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "::, ::",
            "::1, ::1",
            "::ffff:192.0.2.1, 192.0.2.1",
            "::ffff:c000:201, 192.0.2.1",
            "fe80::1%eth0, fe80::1"})
    void shouldGiveTheCanonicalTextWhenTheAddressIsValid(final String input, final String expected) throws Exception {
        assertThat(IpText.canonical(input)).isEqualTo(expected);
        if (!input.contains("%") && !input.startsWith("0")) {
            assertThat(IpText.canonical(input)).isEqualTo(Endpoints.canonical(InetAddress.getByName(input)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4a", "mail.example.org", "1:2:3:4:5:6:7:8:9", "1::2::3",
            ":1:2", "1:2:", "12345::1", "g::1", "1.2.3.-4"})
    void shouldRejectTheTextWhenItIsNotAnAddress(final String input) {
        assertThat(IpText.canonical(input)).isNull();
    }
}
