package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NumericFieldsTest {

    private static java.util.Map<String, Double> of(String s) {
        return NumericFields.of(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void of_plainNumber_returnsUnnamedField() {
        assertThat(of(" -12.5e1 ")).containsExactly(java.util.Map.entry("", -125.0));
    }

    @Test
    void of_jsonObject_returnsTopLevelNumbersOnly() {
        assertThat(
                        of(
                                "{\"t\": 21.5, \"s\": \"x,}\\\"\", \"n\": {\"deep\": 1}, \"a\": [1, 2], \"ok\": true, \"h\": 40}"))
                .containsExactly(java.util.Map.entry("t", 21.5), java.util.Map.entry("h", 40.0));
    }

    @Test
    void of_escapedNames_unescapedAsJsonSays() {
        // the old scanner dropped the backslash and kept the next character: "tu0065mp", "anb"
        assertThat(of("{\"t\\u0065mp\": 1, \"a\\nb\": 2, \"q\\\"\": 3}"))
                .containsExactly(
                        java.util.Map.entry("temp", 1.0),
                        java.util.Map.entry("a\nb", 2.0),
                        java.util.Map.entry("q\"", 3.0));
    }

    @Test
    void of_malformedOrNonNumeric_returnsEmpty() {
        assertThat(of("{\"t\": 1")).isEmpty();
        assertThat(of("NaN")).isEmpty();
        assertThat(of("0x10")).isEmpty();
        assertThat(of("hello")).isEmpty();
        assertThat(of("")).isEmpty();
        assertThat(of("{\"t\": 1} trailing")).isEmpty();
        assertThat(of("{\"t\": 1, \"huge\": 1e400}")).isEmpty();
    }
}
