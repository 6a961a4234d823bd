package io.tributary.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that a generated table (configuration keys, metric names) is in the docs exactly as the code makes it, so
 * that docs cannot drift from the code.
 */
public final class DocSections {
    private DocSections() {}

    /**
     * Asserts that the section of {@code doc} under {@code ## heading} (up to the next {@code ## }) contains {@code
     * generated}; the failure message prints the text to paste there.
     */
    public static void assertSectionHolds(Path doc, String heading, String generated, String what) throws IOException {
        assertTrue(Files.exists(doc), () -> "the document " + doc + " does not exist");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int at = text.indexOf("\n## " + heading + "\n");
        assertTrue(at >= 0, () -> "no '## " + heading + "' heading in " + doc);
        int next = text.indexOf("\n## ", at + 1);
        String section = next < 0 ? text.substring(at) : text.substring(at, next);
        assertTrue(
                section.contains(generated),
                () -> "the " + heading + " section of " + doc + " must hold exactly this table, " + what + ":\n"
                        + generated);
    }
}
