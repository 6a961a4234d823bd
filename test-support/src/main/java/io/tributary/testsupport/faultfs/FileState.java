package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What one file (an inode: it keeps its state across renames) holds that a power cut may take away: its length at the
 * last fsync and, for each 4 KiB page written or truncated since, the page as it was then (its pre-image). A cut puts
 * back some or all of those pre-images, tears pages at a 512-byte sector, and sets a length between the synced one and
 * the current one.
 *
 * <p>Thread rules: every method is called with the monitor of this object held (the channels synchronize on it around
 * a write and its capture, or a force and its bookkeeping; the cut runs when no channel can write any more).
 */
final class FileState {

    static final int PAGE = 4096;
    static final int SECTOR = 512;

    /** Where the file is now (a stash path once deleted or replaced, until that is durable). */
    Path real;

    private long durableLength;
    /** Page index → the page's bytes at the last fsync (shorter than a page where the file ended inside it). */
    private final TreeMap<Long, byte[]> preImages = new TreeMap<>();

    private FileChannel reader;

    FileState(Path real, long durableLength) {
        this.real = real;
        this.durableLength = durableLength;
    }

    long durableLength() {
        return durableLength;
    }

    /** Pages written or truncated since the last fsync. */
    int dirtyPages() {
        return preImages.size();
    }

    /** Before bytes {@code [from, to)} change (a write, or a truncation from {@code from}): keeps their pages. */
    void beforeChange(long from, long to, long currentSize) throws IOException {
        if (to <= from) {
            return;
        }
        for (long page = from / PAGE; page <= (to - 1) / PAGE; page++) {
            if (!preImages.containsKey(page)) {
                preImages.put(page, read(page, currentSize));
            }
        }
    }

    /** After an fsync: everything written so far is durable. */
    void synced(long size) {
        preImages.clear();
        durableLength = size;
    }

    private byte[] read(long page, long currentSize) throws IOException {
        long at = page * PAGE;
        int length = (int) Math.max(0, Math.min(PAGE, currentSize - at));
        if (length == 0) {
            return new byte[0];
        }
        if (reader == null || !reader.isOpen()) {
            reader = FileChannel.open(real, StandardOpenOption.READ);
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining() && reader.read(buf, at + buf.position()) >= 0) {
            // read until the page is complete
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }

    void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    /**
     * The power cut, for this file: with {@code dropAll} every unsynced change goes; otherwise each dirty page is kept,
     * dropped or torn at random and the length lands anywhere between the synced and the current one. Counts what it
     * did into {@code report}.
     */
    void cut(Random random, boolean dropAll, Map<String, Long> report) throws IOException {
        closeReader();
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long current = ch.size();
            if (preImages.isEmpty() && current == durableLength) {
                return;
            }
            long length = dropAll ? durableLength : chooseLength(random, current);
            if (length > current) {
                ch.write(ByteBuffer.wrap(new byte[1]), length - 1);
            }
            for (Map.Entry<Long, byte[]> e : preImages.entrySet()) {
                int choice = dropAll ? 0 : random.nextInt(3);
                long at = e.getKey() * PAGE;
                int size = (int) Math.max(0, Math.min(PAGE, length - at));
                if (choice == 2 || size == 0) {
                    report.merge("pagesKept", 1L, Long::sum);
                    continue;
                }
                byte[] page = new byte[size]; // zeros where the page had no synced bytes
                System.arraycopy(e.getValue(), 0, page, 0, Math.min(size, e.getValue().length));
                if (choice == 1) {
                    // torn: the first sectors of the page reached the disk, the rest did not
                    int torn = Math.min(size, SECTOR * (1 + random.nextInt(PAGE / SECTOR - 1)));
                    ByteBuffer written = ByteBuffer.wrap(page, 0, torn);
                    while (written.hasRemaining() && ch.read(written, at + written.position()) >= 0) {
                        // read the new bytes of the torn part
                    }
                }
                ByteBuffer out = ByteBuffer.wrap(page);
                while (out.hasRemaining()) {
                    ch.write(out, at + out.position());
                }
                report.merge(choice == 1 ? "pagesTorn" : "pagesDropped", 1L, Long::sum);
            }
            if (length < ch.size()) {
                ch.truncate(length);
            }
            if (length != current) {
                report.merge("lengthsChanged", 1L, Long::sum);
            }
            ch.force(true);
        }
    }

    /** The synced length, the current one, or one in between (a length update that only partly made it). */
    private long chooseLength(Random random, long current) {
        long low = Math.min(durableLength, current);
        long high = Math.max(durableLength, current);
        return switch (random.nextInt(3)) {
            case 0 -> durableLength;
            case 1 -> current;
            default -> low + (high == low ? 0 : (long) (random.nextDouble() * (high - low + 1)));
        };
    }
}
