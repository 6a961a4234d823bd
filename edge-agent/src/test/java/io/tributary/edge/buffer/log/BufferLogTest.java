package io.tributary.edge.buffer.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferLogTest {

    private static final long SEGMENT = 4096;

    @TempDir
    Path dir;

    @Test
    void reopen_restoresCommittedStateAndNotTheUncommitted() throws IOException {
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            log.putChunk(1, meta(1), bytes("one"));
            log.putChunk(2, meta(2), bytes("two"));
            log.putCounter("epoch", 7);
            log.putReleased("lane", 3, 4);
            log.putMarker("agg", 5, 6);
            log.commit();
            log.removeChunk(1);
            log.commit();
            log.putChunk(3, meta(3), bytes("uncommitted"));
        }
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(log.damaged()).isFalse();
            assertThat(log.chunkMetas()).containsOnlyKeys(2L);
            assertThat(log.chunk(2)).hasValueSatisfying(b -> assertThat(text(b)).isEqualTo("two"));
            assertThat(log.chunk(1)).isEmpty();
            assertThat(log.counters()).containsEntry("epoch", 7L);
            assertThat(log.released().get("lane")).containsExactly(3, 4);
            assertThat(log.markers().get("agg")).containsExactly(5, 6);
        }
    }

    @Test
    void tornTail_atEveryLength_recoversTheLastWholeCommit() throws IOException {
        Path source = dir.resolve("source");
        List<Long> sizeAfterCommit = new ArrayList<>();
        try (BufferLog log = BufferLog.open(source, 1 << 20)) {
            sizeAfterCommit.add(newestSegment(source).toFile().length());
            for (int i = 0; i < 5; i++) {
                log.putChunk(i, meta(i), bytes("chunk-" + i));
                log.putCounter("n", i + 1);
                if (i > 0) {
                    log.removeChunk(i - 1);
                }
                log.commit();
                sizeAfterCommit.add(newestSegment(source).toFile().length());
            }
        }
        byte[] full = Files.readAllBytes(newestSegment(source));
        String name = newestSegment(source).getFileName().toString();
        for (int length = 0; length <= full.length; length++) {
            Path copy = dir.resolve("cut-" + length);
            Files.createDirectories(copy);
            Files.write(copy.resolve(name), java.util.Arrays.copyOf(full, length));
            int commits = 0;
            for (long s : sizeAfterCommit) {
                if (s <= length) {
                    commits++;
                }
            }
            try (BufferLog log = BufferLog.open(copy, 1 << 20)) {
                assertThat(log.damaged()).isFalse();
                if (commits <= 1) { // not even the segment's own snapshot: the segment is dropped, the log is empty
                    assertThat(log.counters()).as("cut at %d", length).doesNotContainKey("n");
                    assertThat(log.chunkMetas()).isEmpty();
                } else {
                    long n = commits - 1;
                    assertThat(log.counters()).as("cut at %d", length).containsEntry("n", n);
                    assertThat(log.chunkMetas()).containsOnlyKeys(n - 1);
                    assertThat(text(log.chunk(n - 1).orElseThrow())).isEqualTo("chunk-" + (n - 1));
                }
            }
        }
    }

    @Test
    void deadSegments_areDeleted_andRemovalsSurviveTheirDeletion() throws IOException {
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            log.putChunk(0, meta(0), new byte[3000]); // pins segment 0
            log.commit();
            for (int i = 1; i <= 40; i++) {
                log.putChunk(i, meta(i), new byte[1000]);
                log.commit();
                log.removeChunk(i);
                log.commit();
            }
            log.removeChunk(0); // its REMOVE lands in a segment that later dies too
            log.commit();
            for (int i = 41; i <= 60; i++) {
                log.putChunk(i, meta(i), new byte[1000]);
                log.commit();
                log.removeChunk(i);
                log.commit();
            }
            assertThat(log.segmentCount()).isLessThanOrEqualTo(2);
        }
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(log.chunkMetas()).isEmpty();
        }
    }

    @Test
    void compaction_boundsDiskUseBehindAPinnedChunk_andKeepsIt() throws IOException {
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            for (int i = 0; i < 200; i++) {
                log.putChunk(i, meta(i), bytes("keep-" + i + "-" + "x".repeat(300)));
                if (i % 10 != 0) {
                    log.commit();
                    log.removeChunk(i); // nine in ten are delivered, one in ten stays (an offline lane)
                }
                log.commit();
                log.compactOnce();
            }
            assertThat(log.diskBytes()).isLessThanOrEqualTo(log.liveBytes() * 3 / 2 + 3 * SEGMENT);
        }
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(log.chunkMetas()).hasSize(20);
            for (int i = 0; i < 200; i += 10) {
                assertThat(text(log.chunk(i).orElseThrow())).startsWith("keep-" + i + "-");
                assertThat(log.chunkMetas().get((long) i)).isEqualTo(meta(i));
            }
        }
    }

    @Test
    void damageInAnOlderSegment_isReportedAndTheRestIsKept() throws IOException {
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            for (int i = 0; i < 12; i++) {
                log.putChunk(i, meta(i), bytes("c" + i + "-" + "y".repeat(1000)));
                log.commit();
            }
        }
        TreeMap<Long, Path> segments = segments(dir);
        Path first = segments.firstEntry().getValue();
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            long at = f.length() - 10; // inside the last chunk of the first segment
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xFF);
        }
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(log.damaged()).isTrue();
            assertThat(log.chunkMetas()).isNotEmpty().hasSizeLessThan(12).containsKey(11L);
            for (long no : log.chunkMetas().keySet()) {
                assertThat(text(log.chunk(no).orElseThrow())).startsWith("c" + no + "-");
            }
        }
    }

    @Test
    void garbageSegmentFile_isDroppedAndTheLogStartsEmpty() throws IOException {
        Files.createDirectories(dir);
        byte[] garbage = new byte[10_000];
        new java.util.Random(3).nextBytes(garbage);
        Files.write(dir.resolve(LogSegment.fileName(0)), garbage);
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(log.chunkMetas()).isEmpty();
            log.putChunk(1, meta(1), bytes("fresh"));
            log.commit();
        }
        try (BufferLog log = BufferLog.open(dir, SEGMENT)) {
            assertThat(text(log.chunk(1).orElseThrow())).isEqualTo("fresh");
        }
    }

    private static byte[] meta(long no) {
        return ("meta-" + no).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Path newestSegment(Path dir) throws IOException {
        return segments(dir).lastEntry().getValue();
    }

    private static TreeMap<Long, Path> segments(Path dir) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> LogSegment.numberOf(p).ifPresent(n -> out.put(n, p)));
        }
        return out;
    }
}
