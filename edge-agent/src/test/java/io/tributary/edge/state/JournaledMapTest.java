package io.tributary.edge.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournaledMapTest {
    @TempDir
    Path dir;

    private final List<String> rebuilds = new ArrayList<>();

    private JournaledMap open(long compactBytes) throws IOException {
        return open(dir, compactBytes);
    }

    private JournaledMap open(Path where, long compactBytes) throws IOException {
        return JournaledMap.open(where, "m", compactBytes, rebuilds::add);
    }

    /**
     * The files of a map still open, as a SIGKILL leaves them (what was written is in the page cache), copied to a
     * directory of their own: MapDB locks the open file against a second opening in this JVM.
     */
    private Path killedCopy() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("killed-" + System.nanoTime()));
        for (String f : List.of("m.journal", "m.mapdb")) {
            Files.copy(dir.resolve(f), copy.resolve(f));
        }
        return copy;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void putRemove_cleanReopen_sameContentWithoutRebuild() throws IOException {
        try (JournaledMap m = open(1 << 20)) {
            m.putAll(Map.of("a", b("1"), "b", b("2")));
            Map<String, byte[]> change = new HashMap<>();
            change.put("a", null);
            change.put("c", b("3"));
            m.putAll(change);
            assertThat(m.keys()).containsExactlyInAnyOrder("b", "c");
        }
        try (JournaledMap m = open(1 << 20)) {
            assertThat(m.keys()).containsExactlyInAnyOrder("b", "c");
            assertThat(s(m.get("c"))).isEqualTo("3");
            assertThat(m.get("a")).isNull();
        }
        assertThat(rebuilds).isEmpty();
    }

    @Test
    void viewNotClosed_isRebuiltFromTheJournal() throws IOException {
        @SuppressWarnings("resource") // closed after the copy is checked
        JournaledMap crashed = open(1 << 20);
        crashed.putAll(Map.of("x", b("1")));
        crashed.putAll(Map.of("x", b("2"), "y", b("3")));
        try (JournaledMap m = open(killedCopy(), 1 << 20)) {
            assertThat(s(m.get("x"))).isEqualTo("2");
            assertThat(s(m.get("y"))).isEqualTo("3");
        }
        // what a kill leaves of a MapDB file never committed may not even open: either way it is rebuilt
        assertThat(rebuilds).hasSize(1).first().isIn("not_clean_shutdown", "unreadable");
        crashed.close();
    }

    @Test
    void rebuiltViewClosedCleanly_isTrustedAndComplete_atTheNextStart() throws IOException {
        @SuppressWarnings("resource") // closed after the copy is checked
        JournaledMap crashed = open(1 << 20);
        for (int i = 0; i < 50; i++) {
            crashed.putAll(Map.of("k" + i, b("v" + i)));
        }
        Path copy = killedCopy();
        crashed.close();
        try (JournaledMap m = open(copy, 1 << 20)) {
            assertThat(m.size()).isEqualTo(50);
        }
        try (JournaledMap m = open(copy, 1 << 20)) {
            assertThat(m.size()).isEqualTo(50);
            assertThat(s(m.get("k49"))).isEqualTo("v49");
        }
        assertThat(rebuilds).hasSize(1);
    }

    @Test
    void damagedOrMissingView_isRebuilt_neverAStartFailure() throws IOException {
        try (JournaledMap m = open(1 << 20)) {
            m.putAll(Map.of("k", b("v")));
        }
        Files.write(dir.resolve("m.mapdb"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, StandardOpenOption.TRUNCATE_EXISTING);
        try (JournaledMap m = open(1 << 20)) {
            assertThat(s(m.get("k"))).isEqualTo("v");
        }
        Files.delete(dir.resolve("m.mapdb"));
        try (JournaledMap m = open(1 << 20)) {
            assertThat(s(m.get("k"))).isEqualTo("v");
        }
        assertThat(rebuilds).hasSize(2).contains("missing");
    }

    @Test
    void compaction_keepsTheLiveKeys_andTheSequenceGoesOn() throws IOException {
        try (JournaledMap m = open(4096)) {
            for (int i = 0; i < 500; i++) {
                Map<String, byte[]> change = new LinkedHashMap<>();
                change.put("k" + (i % 10), b("v" + i));
                m.putAll(change);
            }
            assertThat(m.journalBytes()).isLessThan(8192);
        }
        @SuppressWarnings("resource") // closed after the copy is checked
        JournaledMap crashed = open(4096); // clean reopen: position matches the compacted journal
        assertThat(rebuilds).isEmpty();
        crashed.putAll(Map.of("k0", b("last")));
        try (JournaledMap m = open(killedCopy(), 4096)) { // not closed: rebuilt from the compacted journal
            assertThat(m.size()).isEqualTo(10);
            assertThat(s(m.get("k0"))).isEqualTo("last");
            assertThat(s(m.get("k9"))).isEqualTo("v499");
        }
        assertThat(rebuilds).containsExactly("not_clean_shutdown");
        crashed.close();
    }
}
