package io.tributary.protocol.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What can be checked without cutting power: the path is created, existing ones are left alone, failures surface. */
class DurableDirsTest {
    @TempDir
    Path dir;

    @Test
    void create_makesEveryMissingLevel_andIsIdempotent() throws Exception {
        Path deep = dir.resolve("a/b/c");
        DurableDirs.create(deep);
        assertThat(deep).isDirectory();
        Files.writeString(deep.resolve("kept"), "x");
        DurableDirs.create(deep);
        assertThat(deep.resolve("kept")).hasContent("x");
    }

    @Test
    void create_underAFile_fails() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> DurableDirs.create(file.resolve("sub"))).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void sync_ofAMissingDirectory_fails() {
        assertThatThrownBy(() -> DurableDirs.sync(dir.resolve("missing"))).isInstanceOf(java.io.IOException.class);
    }
}
