package io.tributary.testsupport.faultfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer drops exactly what was not fsync'd: file data per page, directory entries per directory. */
class FaultFsTest {

    @TempDir
    Path tmp;

    @Test
    void dropAll_keepsExactlyTheSyncedBytes() throws IOException {
        FaultFs fs = new FaultFs(tmp.resolve("root"));
        Path file = fs.root().resolve("log");
        try (FileChannel ch = create(file)) {
            write(ch, bytes(5_000, 'a'));
            ch.force(false);
            write(ch, bytes(3_000, 'b'));
            assertThat(fs.unsyncedPages()).isEqualTo(1); // bytes 5,000 to 8,000: the second page only
        }
        syncDir(fs.root());
        fs.cut(new Random(1), true);
        assertThat(Files.readAllBytes(fs.realRoot().resolve("log"))).isEqualTo(bytes(5_000, 'a'));
    }

    @Test
    void dropAll_undoesOverwritesTruncationsAndTruncateAtOpen() throws IOException {
        Path real = tmp.resolve("root");
        Files.createDirectories(real);
        Files.write(real.resolve("a"), bytes(10_000, 'x'));
        Files.write(real.resolve("b"), bytes(9_000, 'y'));
        Files.write(real.resolve("c"), bytes(100, 'z'));
        FaultFs fs = new FaultFs(real);
        try (FileChannel a = FileChannel.open(fs.root().resolve("a"), StandardOpenOption.WRITE);
                FileChannel b = FileChannel.open(fs.root().resolve("b"), StandardOpenOption.WRITE)) {
            a.write(ByteBuffer.wrap(bytes(6_000, 'o')), 3_000);
            b.truncate(10);
        }
        Files.write(fs.root().resolve("c"), bytes(5, 'n')); // CREATE, TRUNCATE_EXISTING, WRITE
        fs.cut(new Random(2), true);
        assertThat(Files.readAllBytes(real.resolve("a"))).isEqualTo(bytes(10_000, 'x'));
        assertThat(Files.readAllBytes(real.resolve("b"))).isEqualTo(bytes(9_000, 'y'));
        assertThat(Files.readAllBytes(real.resolve("c"))).isEqualTo(bytes(100, 'z'));
    }

    @Test
    void randomCut_keepsSyncedBytes_andOnlyWrittenBytesOrZerosAfterThem() throws IOException {
        Random seeds = new Random(3);
        long dropped = 0;
        long torn = 0;
        long kept = 0;
        for (int run = 0; run < 200; run++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            FaultFs fs = new FaultFs(tmp.resolve("r" + run));
            Path file = fs.root().resolve("log");
            int synced = random.nextInt(20_000);
            byte[] all = new byte[synced + 1 + random.nextInt(40_000)];
            random.nextBytes(all);
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) (all[i] == 0 ? 1 : all[i]); // so that a dropped byte (0) is told from a kept one
            }
            try (FileChannel ch = create(file)) {
                write(ch, Arrays.copyOf(all, synced));
                ch.force(false);
                write(ch, Arrays.copyOfRange(all, synced, all.length));
            }
            syncDir(fs.root());
            CutReport report = fs.cut(random, false);
            dropped += report.count("pagesDropped");
            torn += report.count("pagesTorn");
            kept += report.count("pagesKept");
            byte[] after = Files.readAllBytes(fs.realRoot().resolve("log"));
            assertThat(after.length).as("seed %d", seed).isBetween(synced, all.length);
            assertThat(Arrays.copyOf(after, synced)).as("seed %d", seed).isEqualTo(Arrays.copyOf(all, synced));
            for (int i = synced; i < after.length; i++) {
                assertThat(after[i]).as("byte %d, seed %d", i, seed).isIn(all[i], (byte) 0);
            }
        }
        assertThat(dropped).as("pages dropped").isPositive();
        assertThat(torn).as("pages torn").isPositive();
        assertThat(kept).as("pages kept").isPositive();
    }

    @Test
    void createdFile_vanishesUnlessItsDirectoryWasSynced() throws IOException {
        FaultFs fs = new FaultFs(tmp.resolve("root"));
        try (FileChannel ch = create(fs.root().resolve("lost"))) {
            write(ch, bytes(10, 'a'));
            ch.force(true);
        }
        syncDir(fs.root());
        try (FileChannel ch = create(fs.root().resolve("lost-too"))) {
            write(ch, bytes(10, 'b'));
            ch.force(true); // the data, not the name
        }
        assertThat(fs.unsyncedDirectoryChanges()).isEqualTo(1);
        fs.cut(new Random(4), true);
        assertThat(fs.realRoot().resolve("lost")).exists();
        assertThat(fs.realRoot().resolve("lost-too")).doesNotExist();
    }

    @Test
    void rename_isUndoneUntilTheDirectoryIsSynced_andTheReplacedFileComesBack() throws IOException {
        Path real = tmp.resolve("root");
        Files.createDirectories(real);
        Files.write(real.resolve("state"), bytes(100, 'o'));
        FaultFs fs = new FaultFs(real);
        Path tmpFile = fs.root().resolve("state.tmp");
        try (FileChannel ch = create(tmpFile)) {
            write(ch, bytes(200, 'n'));
            ch.force(true);
        }
        Files.move(tmpFile, fs.root().resolve("state"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.readAllBytes(fs.root().resolve("state"))).isEqualTo(bytes(200, 'n'));
        fs.cut(new Random(5), true);
        assertThat(Files.readAllBytes(real.resolve("state"))).isEqualTo(bytes(100, 'o'));
        assertThat(real.resolve("state.tmp")).doesNotExist(); // its creation was not durable either

        FaultFs again = new FaultFs(real);
        try (FileChannel ch = create(again.root().resolve("state.tmp"))) {
            write(ch, bytes(300, 'm'));
            ch.force(true);
        }
        Files.move(again.root().resolve("state.tmp"), again.root().resolve("state"), StandardCopyOption.ATOMIC_MOVE);
        syncDir(again.root());
        again.cut(new Random(6), true);
        assertThat(Files.readAllBytes(real.resolve("state"))).isEqualTo(bytes(300, 'm'));
        assertThat(real.resolveSibling("root.stash")).doesNotExist(); // nothing left behind
    }

    @Test
    void delete_isUndoneUntilTheDirectoryIsSynced() throws IOException {
        Path real = tmp.resolve("root");
        Files.createDirectories(real.resolve("d"));
        Files.write(real.resolve("d/a"), bytes(10, 'a'));
        Files.write(real.resolve("d/b"), bytes(10, 'b'));
        FaultFs fs = new FaultFs(real);
        Files.delete(fs.root().resolve("d/a"));
        Files.delete(fs.root().resolve("d/b"));
        syncDir(fs.root().resolve("d"));
        Files.delete(fs.root().resolve("d"));
        assertThat(Files.exists(fs.root().resolve("d"))).isFalse();
        fs.cut(new Random(7), true);
        assertThat(real.resolve("d")).isEmptyDirectory();

        FaultFs again = new FaultFs(real);
        Files.write(again.root().resolve("d/c"), bytes(10, 'c'));
        Files.delete(again.root().resolve("d/c"));
        again.cut(new Random(8), true);
        assertThat(real.resolve("d")).isEmptyDirectory(); // created and deleted, neither durable
    }

    @Test
    void createdDirectory_vanishesWithItsFiles_unlessItsParentWasSynced() throws IOException {
        FaultFs fs = new FaultFs(tmp.resolve("root"));
        Files.createDirectories(fs.root().resolve("kept/inner"));
        syncDir(fs.root());
        syncDir(fs.root().resolve("kept"));
        Files.createDirectories(fs.root().resolve("lost"));
        Path file = fs.root().resolve("lost/f");
        try (FileChannel ch = create(file)) {
            write(ch, bytes(10, 'a'));
            ch.force(true);
        }
        syncDir(fs.root().resolve("lost")); // the file is in the directory, the directory in nothing
        fs.cut(new Random(9), true);
        assertThat(fs.realRoot().resolve("kept/inner")).isDirectory();
        assertThat(fs.realRoot().resolve("lost")).doesNotExist();
    }

    @Test
    void afterTheCut_everyOperationFails_andChannelsAreClosed() throws IOException {
        FaultFs fs = new FaultFs(tmp.resolve("root"));
        FileChannel ch = create(fs.root().resolve("f"));
        fs.cut(new Random(10), false);
        assertThat(fs.isDown()).isTrue();
        assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ch.force(true)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Files.list(fs.root())).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> create(fs.root().resolve("g"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> fs.cut(new Random(11), false)).isInstanceOf(IllegalStateException.class);
        ch.close();
    }

    @Test
    void powerOffAfter_failsTheNamedWrite_andKeepsWhatWasSyncedBeforeIt() throws IOException {
        FaultFs fs = new FaultFs(tmp.resolve("root"));
        FileChannel ch = create(fs.root().resolve("f")); // writing operation 1 (before the arming)
        syncDir(fs.root());
        fs.powerOffAfter(3);
        write(ch, bytes(10, 'a')); // 1
        ch.force(false); // 2
        assertThatThrownBy(() -> write(ch, bytes(10, 'b'))).isInstanceOf(IOException.class); // 3: not done
        assertThat(fs.isDown()).isTrue();
        assertThatThrownBy(() -> Files.size(fs.root().resolve("f"))).isInstanceOf(IOException.class);
        fs.cut(new Random(12), false);
        assertThat(Files.readAllBytes(fs.realRoot().resolve("f"))).isEqualTo(bytes(10, 'a'));
    }

    @Test
    void randomCut_keepsAPrefixOfTheDirectoryChanges() throws IOException {
        long undone = 0;
        long kept = 0;
        for (int run = 0; run < 30; run++) {
            FaultFs fs = new FaultFs(tmp.resolve("r" + run));
            for (int i = 0; i < 5; i++) {
                create(fs.root().resolve("f" + i)).close();
            }
            CutReport report = fs.cut(new Random(run), false);
            undone += report.count("directoryChangesUndone");
            kept += report.count("directoryChangesKept");
            int survivors = (int) report.count("directoryChangesKept");
            for (int i = 0; i < 5; i++) {
                assertThat(Files.exists(fs.realRoot().resolve("f" + i)))
                        .as("f%d", i)
                        .isEqualTo(i < survivors);
            }
        }
        assertThat(undone).isPositive();
        assertThat(kept).isPositive();
    }

    private static FileChannel create(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    private static void write(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void syncDir(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }
}
