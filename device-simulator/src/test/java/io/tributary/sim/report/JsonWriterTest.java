package io.tributary.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    /** An abort reason or device name as the report may carry it. */
    private static final String HOSTILE = "d-\"1\"\\x\n\r\t\u0000\u001f\uD83D\uDE00</script><script>alert(1)</script>&";

    @Test
    void end_hostileNamesAndValues_validJsonSafeInsideScript() throws IOException {
        String summary = new JsonWriter().field(HOSTILE, HOSTILE).end();
        String data = SeriesJson.of(
                List.of(),
                new JsonWriter()
                        .raw("abort", summary)
                        .field("p99", 1.5)
                        .field("max", Double.NaN)
                        .end());

        assertThat(data).doesNotContain("<", ">", "&", "\n", "\u0000");
        try (JsonParser p = Json.FACTORY.createParser(data)) {
            StringBuilder read = new StringBuilder();
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isScalarValue()) {
                    read.append(p.currentName()).append('=').append(p.getText()).append('|');
                }
            }
            assertThat(read.toString())
                    .isEqualTo(HOSTILE + "=" + HOSTILE + "|p99=1.500|max=null|columns=" + SeriesJson.COLUMNS + "|");
        }
    }

    @Test
    void field_decimals_fixedPointAsThePrintfLinesHad() {
        String json = new JsonWriter()
                .field("rate", 84216.5, 0)
                .field("rise", -12.345, 1)
                .field("ms", 0.0004, 3)
                .field("inf", Double.POSITIVE_INFINITY, 0)
                .end();

        assertThat(json).isEqualTo("{\"rate\":84217,\"rise\":-12.3,\"ms\":0.000,\"inf\":null}");
    }
}
