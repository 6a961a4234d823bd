package io.tributary.protocol.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * deploy/logback.xml, the configuration every role runs with: in both formats one line per event, whatever a peer puts
 * in a message (line breaks, quotes, control characters); the JSON format valid JSON with the event's fields.
 */
class LogbackConfigTest {
    private static final Path CONFIG = Path.of("../deploy/logback.xml");
    /** What a hostile client id or topic can hold. */
    private static final String HOSTILE = "dev\"1\"\n2026-01-01 ERROR forged line\r\n\t\u0001\\ é";

    @Test
    void json_everyEventIsOneLineOfValidJson_withMessageKeyValuesAndStackTrace() throws Exception {
        List<String> lines = logWith("json");

        assertThat(lines).hasSize(3);
        Map<String, Object> first = parse(lines.get(0));
        assertThat(first).containsEntry("level", "WARN").containsEntry("loggerName", "io.tributary.test.Config");
        assertThat(first.get("formattedMessage")).isEqualTo("refusing batch 7 from " + HOSTILE);
        assertThat(first).containsKeys("timestamp", "threadName", "kvpList");
        assertThat(first.get("kvpList").toString()).contains("agent", "edge-1", "lane", "plant-1", "seq", "42");
        Map<String, Object> second = parse(lines.get(1));
        assertThat(second.get("throwable").toString()).contains("IllegalStateException", "boom");
        assertThat(parse(lines.get(2))).containsEntry("formattedMessage", "plain");
    }

    @Test
    void text_everyEventIsOneLine_lineBreaksInMessagesEscaped_keyValuesAtTheEnd() throws Exception {
        List<String> lines = logWith("text");

        // the exception's stack trace follows its line (text is for people); the rest is one line per event
        assertThat(lines.get(0))
                .contains(" WARN  ", "refusing batch 7 from dev\"1\"\\n2026-01-01 ERROR forged line\\n")
                .endsWith(" agent=\"edge-1\" lane=\"plant-1\" seq=\"42\"");
        assertThat(lines).filteredOn(l -> l.contains("forged line")).hasSize(1);
        assertThat(lines.get(1)).contains("INFO", "closing connection after an error");
        assertThat(lines.get(2)).startsWith("java.lang.IllegalStateException: boom");
        assertThat(lines.get(lines.size() - 1)).endsWith("- plain");
    }

    /** Configures a fresh Logback context from the file with TRIBUTARY_LOG_FORMAT=format; logs three events. */
    private static List<String> logWith(String format) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            context.putProperty("TRIBUTARY_LOG_FORMAT", format);
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(CONFIG.toFile());
            Logger log = context.getLogger("io.tributary.test.Config");
            log.atWarn()
                    .setMessage("refusing batch {} from {}")
                    .addArgument(7)
                    .addArgument(HOSTILE)
                    .addKeyValue("agent", "edge-1")
                    .addKeyValue("lane", "plant-1")
                    .addKeyValue("seq", 42L)
                    .log();
            log.info("closing connection after an error", new IllegalStateException("boom"));
            log.info("plain");
        } finally {
            context.stop();
            System.setErr(original);
        }
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(s -> s.getLevel() >= ch.qos.logback.core.status.Status.WARN)
                .as("configuration problems")
                .isEmpty();
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** One line as a JSON object (top-level fields; nested values as their text), failing unless it is exactly one. */
    private static Map<String, Object> parse(String line) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    StringBuilder nested = new StringBuilder();
                    int depth = 1;
                    while (depth > 0) {
                        JsonToken n = p.nextToken();
                        depth += Set.of(JsonToken.START_OBJECT, JsonToken.START_ARRAY)
                                        .contains(n)
                                ? 1
                                : 0;
                        depth -= Set.of(JsonToken.END_OBJECT, JsonToken.END_ARRAY)
                                        .contains(n)
                                ? 1
                                : 0;
                        nested.append(p.getText()).append(' ');
                    }
                    out.put(name, nested.toString());
                } else {
                    out.put(name, t == JsonToken.VALUE_NULL ? null : p.getText());
                }
            }
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).as("nothing after the object").isNull();
        }
        return out;
    }
}
