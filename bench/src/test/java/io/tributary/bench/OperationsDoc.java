package io.tributary.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** docs/operations.md as the runbook tests read it: its text and the anchors of its headings. Stateless. */
final class OperationsDoc {
    static final Path PATH = Path.of("../docs/operations.md");

    private OperationsDoc() {}

    static String text() {
        try {
            return Files.readString(PATH, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The anchor of every heading, as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> anchors() {
        Set<String> anchors = new TreeSet<>();
        for (String line : text().lines().toList()) {
            if (line.startsWith("#")) {
                anchors.add(anchor(line.replaceFirst("^#+\\s*", "")));
            }
        }
        return anchors;
    }

    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }
}
