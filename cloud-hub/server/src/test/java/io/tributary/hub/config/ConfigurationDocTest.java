package io.tributary.hub.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.protocol.config.ConfigValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        String table = ConfigValues.markdown(HubConfig.SCHEMA, HubConfig.ENV_PREFIX);
        assertThat(DOC).as("the configuration reference").exists();
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);

        int heading = doc.indexOf("\n## Hub\n");
        assertThat(heading).as("a '## Hub' heading in %s", DOC).isNotNegative();
        int next = doc.indexOf("\n## ", heading + 1);
        String section = next < 0 ? doc.substring(heading) : doc.substring(heading, next);
        assertThat(section)
                .as("the Hub section of %s must hold exactly this generated table:%n%s", DOC, table)
                .contains(table);
    }
}
