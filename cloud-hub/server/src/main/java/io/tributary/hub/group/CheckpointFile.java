package io.tributary.hub.group;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The per-group checkpoint file of hubs before {@link CheckpointStore}: read once, when the store migrates it. Per
 * shard the checkpoint, the last fencing token granted and whether the shard is finished.
 *
 * <p>File layout ({@code <data-dir>/groups/<stream>/<group>.checkpoints}), UTF-8 text:
 *
 * <pre>
 * tributary-group-checkpoints 1
 * shard-000000 42 7 0        (shard id, checkpoint sequence or -1, last token, 1 when finished)
 * ...
 * crc32c 1a2b3c4d            (CRC32C of every byte before this line)
 * </pre>
 *
 * Old hubs wrote it to a temporary file, fsync'd it and renamed it over the old one, so a crash left either the old or
 * the new file. Thread rules: static, stateless.
 */
final class CheckpointFile {
    private static final String MAGIC = "tributary-group-checkpoints 1";

    private CheckpointFile() {}

    /** The saved leases, empty when the file does not exist. */
    static Map<String, ShardLease> read(Path file) throws IOException {
        Map<String, ShardLease> out = new TreeMap<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return out;
        }
        int crcAt = text.lastIndexOf("crc32c ");
        if (!text.startsWith(MAGIC + "\n") || crcAt < 0) {
            throw new IOException(file + " is not a checkpoint file");
        }
        CRC32C crc = new CRC32C();
        crc.update(text.substring(0, crcAt).getBytes(StandardCharsets.UTF_8));
        String want = text.substring(crcAt + 7).trim();
        if (!want.equals(Long.toHexString(crc.getValue()))) {
            throw new IOException(file + " fails its CRC check");
        }
        List<String> lines = text.substring(0, crcAt).lines().skip(1).toList();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length != 4) {
                throw new IOException(file + ": malformed line '" + line + "'");
            }
            ShardLease l = new ShardLease(f[0]);
            l.checkpoint = Long.parseLong(f[1]);
            l.token = Long.parseLong(f[2]);
            l.ended = f[3].equals("1");
            out.put(l.shardId, l);
        }
        return out;
    }
}
