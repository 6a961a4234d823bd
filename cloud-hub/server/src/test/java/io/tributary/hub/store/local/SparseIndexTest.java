package io.tributary.hub.store.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseIndexTest {
    @TempDir
    Path dir;

    private static SparseIndex index() {
        SparseIndex index = new SparseIndex();
        for (int i = 0; i < 200; i++) {
            index.add(100 + i * 10L, i * 1000L);
        }
        return index;
    }

    @Test
    void floorValue_betweenEntries_returnsEntryBelow() {
        SparseIndex index = index();

        assertThat(index.floorValue(100, -1)).isZero();
        assertThat(index.floorValue(155, -1)).isEqualTo(5000);
        assertThat(index.floorValue(160, -1)).isEqualTo(6000);
        assertThat(index.floorValue(99, -1)).isEqualTo(-1);
        assertThat(index.floorValue(Long.MAX_VALUE, -1)).isEqualTo(199_000);
    }

    @Test
    void lowerValue_onExactKey_returnsStrictlyLowerEntry() {
        SparseIndex index = index();

        assertThat(index.lowerValue(160, -1)).isEqualTo(5000);
        assertThat(index.lowerValue(100, -1)).isEqualTo(-1);
    }

    @Test
    void writeFile_thenMatchesFile_detectsDifferences() throws Exception {
        SparseIndex index = index();
        Path file = dir.resolve("x.index");

        assertThat(index.matchesFile(file)).isFalse();
        index.writeFile(file, FileChannelFactory.DEFAULT);
        assertThat(index.matchesFile(file)).isTrue();
        index.add(5000, 1);
        assertThat(index.matchesFile(file)).isFalse();
    }
}
