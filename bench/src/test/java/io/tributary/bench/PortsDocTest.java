package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.config.EdgeConfig;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default ports docs/operations.md names are the ones the processes use (their configuration schemas). */
class PortsDocTest {
    private static final Path DOC = Path.of("../docs/operations.md");

    private static String defaultOf(List<ConfigKey> schema, String key) {
        return schema.stream()
                .filter(k -> k.name().equals(key))
                .findFirst()
                .orElseThrow()
                .defaultValue();
    }

    private static String row(String doc, String process) {
        return doc.lines()
                .filter(l -> l.startsWith("| " + process + " |"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no '" + process + "' row in " + DOC));
    }

    @Test
    void processesAndPortsTable_namesTheDefaultPorts() throws Exception {
        String doc = Files.readString(DOC);
        assertThat(row(doc, "hub"))
                .contains(defaultOf(HubConfig.SCHEMA, "port") + " protocol")
                .contains(defaultOf(HubConfig.SCHEMA, "metrics-port") + " `/metrics`");
        assertThat(row(doc, "edge agent"))
                .contains(defaultOf(EdgeConfig.SCHEMA, "mqtt.port") + " MQTT")
                .contains(defaultOf(EdgeConfig.SCHEMA, "metrics.port") + " `/metrics`");
    }
}
