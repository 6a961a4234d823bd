package io.tributary.protocol.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * The project's one way to write and read JSON: jackson-core's streaming generator and parser over one shared
 * {@link JsonFactory}. Writing through the generator means every name and value is escaped (quotes, backslashes,
 * control characters), which hand-built strings got wrong. Stateless and thread-safe; generators and parsers made
 * from {@link #FACTORY} are single-threaded.
 */
public final class Json {

    /** Nesting deeper than this is refused when reading: payloads come from devices and may be hostile. */
    public static final int MAX_DEPTH = 64;

    /**
     * The shared factory. Thread-safe and meant to be reused: it holds the symbol tables and buffer recycling that
     * make each new parser cheap. Strict RFC 8259 (jackson's defaults: no comments, no single quotes, no NaN).
     */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    /** Writes one JSON value with a generator. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private Json() {}

    /** One compact JSON document (no trailing newline), as {@code body} writes it. */
    public static String write(Body body) {
        return write(body, false);
    }

    /**
     * Like {@link #write} but also escapes {@code <}, {@code >} and {@code &} in strings (as {@code \u003C} and so
     * on), so that the document can be embedded in an HTML {@code <script>} element: a {@code </script>} inside a
     * name can not end the element.
     */
    public static String writeHtmlSafe(Body body) {
        return write(body, true);
    }

    /** {@code s} as a JSON string literal, quotes included; {@code null} as {@code null}. */
    public static String quote(String s) {
        return write(g -> g.writeString(s));
    }

    /**
     * A generator for documents built up step by step; {@code htmlSafe} as in {@link #writeHtmlSafe}. The caller
     * closes it.
     */
    public static JsonGenerator generator(Writer out, boolean htmlSafe) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out);
        if (htmlSafe) {
            g.setCharacterEscapes(HtmlSafe.INSTANCE);
        }
        return g;
    }

    private static String write(Body body, boolean htmlSafe) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = generator(out, htmlSafe)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static final class HtmlSafe extends CharacterEscapes {
        static final HtmlSafe INSTANCE = new HtmlSafe();
        private static final long serialVersionUID = 1L;

        private final int[] ascii = standardAsciiEscapesForJSON();

        private HtmlSafe() {
            ascii['<'] = ESCAPE_STANDARD;
            ascii['>'] = ESCAPE_STANDARD;
            ascii['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
