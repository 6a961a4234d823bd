package io.tributary.hub.config;

import io.tributary.protocol.config.ConfigValues;
import io.tributary.testsupport.DocSections;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md} is generated from {@link HubConfig#SCHEMA}: this test fails when the two drift apart,
 * and prints the table to paste under {@code ## Hub}.
 */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("../../docs/configuration.md");

    @Test
    void configurationDoc_hubSection_holdsTheTableGeneratedFromTheSchema() throws IOException {
        DocSections.assertSectionHolds(
                DOC, "Hub", ConfigValues.markdown(HubConfig.SCHEMA, HubConfig.ENV_PREFIX), "generated from the schema");
    }
}
