package io.tributary.edge.config;

import io.tributary.protocol.config.ConfigValues;
import io.tributary.testsupport.DocSections;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md}'s edge table is generated from {@link EdgeConfig#SCHEMA} ({@code ./tributary edge
 * --print-config-keys} prints it): this test fails when the two drift apart, and prints the table to paste under
 * {@code ## Edge agent}.
 */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("../docs/configuration.md");

    @Test
    void configurationDoc_edgeSection_holdsTheTableGeneratedFromTheSchema() throws IOException {
        DocSections.assertSectionHolds(
                DOC,
                "Edge agent",
                ConfigValues.markdown(EdgeConfig.SCHEMA, EdgeConfig.ENV_PREFIX),
                "generated from the schema");
    }
}
