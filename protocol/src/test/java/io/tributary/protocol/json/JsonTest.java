package io.tributary.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class JsonTest {

    /** Names a device, stream or group could carry: quotes, backslashes, control characters, non-BMP, markup. */
    static final String HOSTILE = "a\"b\\c\nd\re\tf\u0000g\u001fh\u007f\uD83D\uDE00i</script><!--&";

    static String readString(String json) throws IOException {
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.VALUE_STRING);
            String s = p.getText();
            assertThat(p.nextToken()).isNull();
            return s;
        }
    }

    @Test
    void quote_hostileName_roundTrips() throws IOException {
        assertThat(readString(Json.quote(HOSTILE))).isEqualTo(HOSTILE);
        assertThat(Json.quote(HOSTILE)).doesNotContain("\n", "\r", "\t", "\u0000");
        assertThat(Json.quote(null)).isEqualTo("null");
    }

    @Test
    void write_namesAndValues_escapedBoth() throws IOException {
        String json = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField(HOSTILE, HOSTILE);
            g.writeEndObject();
        });
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            assertThat(p.nextFieldName()).isEqualTo(HOSTILE);
            assertThat(p.nextTextValue()).isEqualTo(HOSTILE);
        }
    }

    @Test
    void writeHtmlSafe_scriptEndTag_cannotCloseTheElement() throws IOException {
        String json = Json.writeHtmlSafe(g -> g.writeString(HOSTILE));
        assertThat(json).doesNotContain("<", ">", "&");
        assertThat(readString(json)).isEqualTo(HOSTILE);
        assertThat(Json.write(g -> g.writeString("</script>"))).isEqualTo("\"</script>\"");
    }

    @Test
    void factory_deepNesting_refused() throws IOException {
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        try (JsonParser p = Json.FACTORY.createParser(deep)) {
            assertThatThrownBy(() -> {
                        while (p.nextToken() != null) {}
                    })
                    .isInstanceOf(StreamConstraintsException.class);
        }
    }
}
