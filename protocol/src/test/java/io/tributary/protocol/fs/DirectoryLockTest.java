package io.tributary.protocol.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {
    @TempDir
    Path dir;

    @Test
    void secondAcquire_isRefusedNamingTheHolder_untilTheFirstCloses() throws Exception {
        Path data = dir.resolve("data");
        try (DirectoryLock first = DirectoryLock.acquire(data, "x.lock", "test dir")) {
            assertThat(Files.readString(first.file(), StandardCharsets.UTF_8))
                    .contains("pid " + ProcessHandle.current().pid());

            assertThatThrownBy(() -> DirectoryLock.acquire(data, "x.lock", "test dir"))
                    .isInstanceOf(DirectoryLockedException.class)
                    .hasMessageContaining("test dir " + data + " is already open")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid() + " on ")
                    .hasMessageContaining("started ");
        }
        DirectoryLock.acquire(data, "x.lock", "test dir").close();
    }
}
