package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadFormatTest {

    private static PayloadFormat detect(String s) {
        return PayloadFormat.detect(s.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                " {\"t\": 21.5}\n",
                "{\"a\":[1,-2.5e3,true,false,null,{\"b\":\"\\u00e9\\n\"}],\"c\":0}",
                "{\"unicode\":\"é\"}"
            })
    void detect_wellFormedObject_json(String payload) {
        assertThat(detect(payload)).isEqualTo(PayloadFormat.JSON);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "21.5",
                "[1,2]",
                "{",
                "{\"a\":}",
                "{\"a\":1,}",
                "{\"a\":01}",
                "{\"a\":1} x",
                "{a:1}",
                "{\"a\":\"\\x\"}",
                "{\"a\":tru}",
                "{\"a\":\"unterminated}"
            })
    void detect_notAJsonObject_raw(String payload) {
        assertThat(detect(payload)).isEqualTo(PayloadFormat.RAW);
    }

    @org.junit.jupiter.api.Test
    void detect_invalidUtf8InAString_raw() {
        // 0xC3 must be followed by a continuation byte; the old validator let any byte >= 0x20 through
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'};
        assertThat(PayloadFormat.detect(bad)).isEqualTo(PayloadFormat.RAW);
    }

    @org.junit.jupiter.api.Test
    void detect_hostileButValidStrings_json() {
        assertThat(detect("{\"dev\":\"a\\\"b\\\\c\\n\\u0000\uD83D\uDE00</script>\"}"))
                .isEqualTo(PayloadFormat.JSON);
        assertThat(detect("{\"dev\":\"a\u0001b\"}")).isEqualTo(PayloadFormat.RAW); // raw control character
    }

    @org.junit.jupiter.api.Test
    void detect_nestingUpToTheLimit_json() {
        String atLimit = "[".repeat(io.tributary.protocol.json.Json.MAX_DEPTH - 1);
        String closing = "]".repeat(io.tributary.protocol.json.Json.MAX_DEPTH - 1);
        assertThat(detect("{\"a\":" + atLimit + closing + "}")).isEqualTo(PayloadFormat.JSON);
        assertThat(detect("{\"a\":[" + atLimit + closing + "]}")).isEqualTo(PayloadFormat.RAW);
    }

    @org.junit.jupiter.api.Test
    void detect_deeplyNested_rawWithoutStackOverflow() {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertThat(detect(deep)).isEqualTo(PayloadFormat.RAW);
    }
}
