package io.tributary.sim.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadCodecTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void encodeJson_parse_returnsSameIdentity() {
        byte[] payload = PayloadCodec.json().encode(17, 123, 1_732_590_000_123_456L);
        String text = new String(payload, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("{\"dev\":\"d-17\",\"seq\":123,\"ts\":1732590000123,\"tus\":1732590000123456,");
        assertThat(text).contains("\"temp\":", "\"hum\":", "\"volt\":");
        assertThat(PayloadCodec.parse(payload).identity())
                .contains(new MessageIdentity("d-17", 123, 1_732_590_000_123_456L));
    }

    @Test
    void encodeRaw_parse_returnsSameIdentityAndExactSize() {
        byte[] payload = PayloadCodec.raw(200).encode(4242, 7, 99_000_001L);
        assertThat(payload).hasSize(200);
        assertThat(PayloadCodec.parse(payload).identity()).contains(new MessageIdentity("d-4242", 7, 99_000_001L));
    }

    @Test
    void rawCodec_belowHeaderSize_refused() {
        assertThatThrownBy(() -> PayloadCodec.raw(10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseJson_otherKeyOrderAndOnlyMillis_usesTsTimesThousand() {
        ParseResult r =
                PayloadCodec.parse(utf8(" {\"temp\": 1.5e1, \"ts\": 5, \"seq\": 0, \"dev\": \"x\", \"ok\": true} "));
        assertThat(r.identity()).contains(new MessageIdentity("x", 0, 5000));
    }

    @Test
    void jsonRoundTrip_hostileDeviceId_survives() {
        // the simulator's own ids are d-<n>, but the codec takes any; the old encoder wrote the id raw (a quote ended
        // the string) and the old reader refused any escape
        String id = "d-\"1\"\\x\n\t\u0001\uD83D\uDE00</script>";
        byte[] payload = JsonPayload.encode(new MessageIdentity(id, 9, 1_000_000L));
        assertThat(PayloadCodec.parse(payload).identity()).contains(new MessageIdentity(id, 9, 1_000_000L));
        assertThat(PayloadCodec.parse(utf8("{\"dev\":\"d\\u0031\",\"seq\":1,\"tus\":1}"))
                        .identity())
                .contains(new MessageIdentity("d1", 1, 1));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "hello",
                "{",
                "{\"dev\":\"d-1\"}",
                "{\"dev\":\"d-1\",\"seq\":-3,\"tus\":1}",
                "{\"dev\":\"d-1\",\"seq\":1.5,\"tus\":1}",
                "{\"dev\":7,\"seq\":1,\"tus\":1}",
                "{\"dev\":\"d-1\",\"seq\":1,\"tus\":1} trailing",
                "{\"dev\":\"d-1\",\"seq\":99999999999999999999999,\"tus\":1}",
                "{\"dev\":{\"nested\":1},\"seq\":1,\"tus\":1}",
                "{\"dev\":\"d-1\",\"seq\":1,\"tus\":1",
                "TRB1short"
            })
    void parse_hostilePayload_failsWithReasonNotException(String input) {
        ParseResult r = PayloadCodec.parse(utf8(input));
        assertThat(r.isOk()).as(input).isFalse();
        assertThat(r.error()).isNotBlank();
    }

    @Test
    void parse_randomBytes_neverThrows() {
        Random random = new Random(42);
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length > 0) {
                bytes[0] = '{';
            }
            ParseResult r = PayloadCodec.parse(bytes);
            assertThat(r.isOk() || !r.error().isEmpty()).isTrue();
        }
    }

    @Test
    void parse_null_failure() {
        assertThat(PayloadCodec.parse(null).isOk()).isFalse();
    }

    @Test
    void deviceIndex_malformedIds_minusOne() {
        assertThat(MessageIdentity.deviceIndex("d-12")).isEqualTo(12);
        assertThat(MessageIdentity.deviceIndex("d-")).isEqualTo(-1);
        assertThat(MessageIdentity.deviceIndex("x-1")).isEqualTo(-1);
        assertThat(MessageIdentity.deviceIndex("d-1a")).isEqualTo(-1);
        assertThat(MessageIdentity.deviceIndex("d-99999999999")).isEqualTo(-1);
    }
}
