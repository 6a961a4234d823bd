package io.tributary.hub.stream;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One version of a stream's metadata: name, partition-key mode, retention, creation time and every shard it still
 * has, open and closed, in id order. Immutable; splits and merges ({@link Reshard}) produce new versions.
 *
 * <p>Invariants checked on construction (so a file that decodes but is inconsistent is rejected too): the name is
 * valid, shard ids are unique, every parent listed is a shard with a lower number, and the open shards cover the
 * whole hash space exactly once.
 */
public record StreamDefinition(
        String name,
        KeyMode keyMode,
        Retention retention,
        Instant createdAt,
        List<ShardDefinition> shards,
        Replication replication) {

    /** At most this many shards may be open at once; also the bound on a new stream's shard count. */
    public static final int MAX_OPEN_SHARDS = 1024;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** A single-region stream. */
    public StreamDefinition(
            String name, KeyMode keyMode, Retention retention, Instant createdAt, List<ShardDefinition> shards) {
        this(name, keyMode, retention, createdAt, shards, Replication.NONE);
    }

    public StreamDefinition {
        validateName(name);
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(keyMode, "keyMode");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(createdAt, "createdAt");
        List<ShardDefinition> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparingInt(ShardDefinition::number));
        shards = List.copyOf(sorted);
        checkLineage(name, shards);
        checkCoverage(name, shards);
    }

    /** A new stream whose {@code shardCount} open shards split the hash space evenly. */
    public static StreamDefinition create(
            String name, KeyMode keyMode, Retention retention, int shardCount, Instant createdAt) {
        if (shardCount < 1 || shardCount > MAX_OPEN_SHARDS) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "shard count must be 1.." + MAX_OPEN_SHARDS + ", was " + shardCount);
        }
        List<HashRange> ranges = HashRange.splitEvenly(shardCount);
        List<ShardDefinition> shards = new ArrayList<>(shardCount);
        for (int i = 0; i < shardCount; i++) {
            shards.add(ShardDefinition.open(i, ranges.get(i), List.of(), createdAt));
        }
        return new StreamDefinition(name, keyMode, retention, createdAt, shards);
    }

    /**
     * Checks a stream name: 1 to 128 of {@code A-Z a-z 0-9 . _ -}, and not {@code .} or {@code ..} (names are file
     * names on disk).
     */
    public static String validateName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "stream name '" + name + "' must be 1-128 characters of A-Z a-z 0-9 . _ - (and not . or ..)");
        }
        return name;
    }

    public Optional<ShardDefinition> shard(String shardId) {
        return shards.stream().filter(s -> s.id().equals(shardId)).findFirst();
    }

    /** The shard with that id, or {@link StreamException.Reason#NOT_FOUND}. */
    public ShardDefinition requireShard(String shardId) {
        return shard(shardId)
                .orElseThrow(() -> new StreamException(
                        StreamException.Reason.NOT_FOUND, "stream " + name + " has no shard " + shardId));
    }

    public List<ShardDefinition> openShards() {
        return shards.stream().filter(ShardDefinition::isOpen).toList();
    }

    /** The shards that list {@code shardId} as a parent: read them only after finishing {@code shardId}. */
    public List<ShardDefinition> childrenOf(String shardId) {
        requireShard(shardId);
        return shards.stream().filter(s -> s.parentIds().contains(shardId)).toList();
    }

    /**
     * The parents of {@code shardId} still present (retention may have removed some): finish these first.
     */
    public List<ShardDefinition> parentsOf(String shardId) {
        ShardDefinition shard = requireShard(shardId);
        return shards.stream().filter(s -> shard.parentIds().contains(s.id())).toList();
    }

    /** The number the next new shard gets: one more than the highest ever used (the highest is always open). */
    public int nextShardNumber() {
        return shards.get(shards.size() - 1).number() + 1;
    }

    /** This stream with {@code replaced} shards swapped for their new versions and {@code added} appended. */
    StreamDefinition withShards(List<ShardDefinition> replaced, List<ShardDefinition> added) {
        List<ShardDefinition> next = new ArrayList<>(shards.size() + added.size());
        for (ShardDefinition s : shards) {
            next.add(replaced.stream()
                    .filter(r -> r.id().equals(s.id()))
                    .findFirst()
                    .orElse(s));
        }
        next.addAll(added);
        return new StreamDefinition(name, keyMode, retention, createdAt, next, replication);
    }

    /** This stream with other replication settings. */
    public StreamDefinition withReplication(Replication value) {
        return new StreamDefinition(name, keyMode, retention, createdAt, shards, value);
    }

    private static void checkLineage(String name, List<ShardDefinition> shards) {
        if (shards.isEmpty()) {
            throw new StreamException(StreamException.Reason.INVALID, "stream " + name + " has no shards");
        }
        Set<String> seen = new HashSet<>();
        for (ShardDefinition s : shards) {
            if (!seen.add(s.id())) {
                throw new StreamException(StreamException.Reason.INVALID, "stream " + name + " repeats " + s.id());
            }
            for (String parent : s.parentIds()) {
                if (ShardDefinition.number(parent) >= s.number()) {
                    throw new StreamException(
                            StreamException.Reason.INVALID,
                            "stream " + name + ": " + s.id() + " lists a later shard " + parent + " as parent");
                }
            }
        }
    }

    private static void checkCoverage(String name, List<ShardDefinition> shards) {
        List<HashRange> open = shards.stream()
                .filter(ShardDefinition::isOpen)
                .map(ShardDefinition::range)
                .sorted((a, b) -> Long.compareUnsigned(a.start(), b.start()))
                .toList();
        if (open.isEmpty()) {
            throw new StreamException(StreamException.Reason.INVALID, "stream " + name + " has no open shard");
        }
        if (open.size() > MAX_OPEN_SHARDS) {
            throw new StreamException(
                    StreamException.Reason.LIMIT_EXCEEDED,
                    "stream " + name + " would have " + open.size() + " open shards, max " + MAX_OPEN_SHARDS);
        }
        long expectedStart = 0L;
        for (int i = 0; i < open.size(); i++) {
            HashRange r = open.get(i);
            boolean last = i == open.size() - 1;
            if (r.start() != expectedStart || (last != (r.end() == -1L))) {
                throw new StreamException(
                        StreamException.Reason.INVALID,
                        "open shards of stream " + name + " do not cover the hash space exactly once: " + open);
            }
            expectedStart = r.end() + 1;
        }
    }
}
