package io.tributary.hub.group;

import io.tributary.hub.fs.FramedLog;
import io.tributary.hub.group.CheckpointStore.Row;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Migration from older hubs. Hubs before this log kept one file per group ({@code groups/<stream>/<group>.checkpoints},
 * {@link CheckpointFile}). When the log does not exist yet, {@link CheckpointStore#open} reads those files once and writes their rows
 * as the first log (temp, fsync, rename), then deletes them; old files found next to an existing log were already
 * migrated (a crash between the rename and the deletes) and are deleted. An old file that cannot be read is renamed
 * to {@code *.unreadable} and its group refused ({@link CheckpointStore#rows} throws), as the old hub refused it: granting its tokens
 * afresh could hand a token out twice.
 *
 * <p>Thread rules: called by {@link CheckpointStore}'s open only.
 */
final class LegacyCheckpoints {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    private static final String LEGACY_SUFFIX = ".checkpoints";

    private LegacyCheckpoints() {}

    /** {@code groups/<stream>/<group>.checkpoints}, and temp files the old writer left. */
    static List<Path> files(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> streams = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path stream : streams) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(
                        stream,
                        f -> f.toString().endsWith(LEGACY_SUFFIX)
                                || f.toString().endsWith(LEGACY_SUFFIX + ".tmp"))) {
                    files.forEach(out::add);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The rows of one old file; an unreadable one is renamed to {@code *.unreadable} (durably) and its group added to
     * {@code unreadable}.
     */
    static Map<GroupShard, Row> read(Path old, Set<GroupKey> unreadable) throws IOException {
        Map<GroupShard, Row> out = new LinkedHashMap<>();
        String name = old.getFileName().toString();
        if (name.endsWith(".tmp")) {
            return out; // never renamed into place: never acknowledged
        }
        GroupKey group = new GroupKey(
                old.getParent().getFileName().toString(), name.substring(0, name.length() - LEGACY_SUFFIX.length()));
        try {
            for (ShardLease l : CheckpointFile.read(old).values()) {
                GroupShard key = group.shard(l.shardId);
                out.put(key, new Row(key, l.checkpoint, l.token, l.ended));
            }
        } catch (IOException | RuntimeException e) {
            Path aside = old.resolveSibling(name + ".unreadable");
            Files.move(old, aside, StandardCopyOption.REPLACE_EXISTING);
            // Durable before checkpoints.log is: else a power cut brings the legacy name back and the next open,
            // finding the log, deletes it as migrated — and the group is no longer refused.
            FramedLog.fsyncDirectory(old.getParent());
            unreadable.add(group);
            log.error("checkpoints of {} are unreadable ({}); kept as {}, the group is refused", group, e, aside);
        }
        return out;
    }
}
