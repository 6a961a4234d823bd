package io.tributary.hub.stream;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * One split or merge: the stream before and after, the parent shards it closed and the child shards it opened.
 * Children cover exactly the parents' ranges, list the parents as {@link ShardDefinition#parentIds()}, and get new,
 * higher shard numbers; parents stay in the stream, closed, so consumers can finish them before the children.
 * Immutable; the factories are pure functions, the registry makes them durable.
 *
 * @param before the stream before the change
 * @param after the stream after the change
 * @param closedParents the parents, as closed in {@code after}
 * @param children the new open shards, as in {@code after}
 */
public record Reshard(
        StreamDefinition before,
        StreamDefinition after,
        List<ShardDefinition> closedParents,
        List<ShardDefinition> children) {

    public Reshard {
        closedParents = List.copyOf(closedParents);
        children = List.copyOf(children);
    }

    /**
     * Splits open shard {@code shardId} into a lower child ending at {@code splitHash - 1} and an upper child
     * starting at {@code splitHash}; with no hash, at the middle of the parent's range.
     */
    public static Reshard split(StreamDefinition stream, String shardId, OptionalLong splitHash, Instant now) {
        ShardDefinition parent = requireOpen(stream, shardId);
        long at = splitHash.isPresent() ? splitHash.getAsLong() : parent.range().midpoint();
        List<HashRange> halves = parent.range().splitAt(at);
        int next = stream.nextShardNumber();
        List<String> parents = List.of(parent.id());
        List<ShardDefinition> children = List.of(
                ShardDefinition.open(next, halves.get(0), parents, now),
                ShardDefinition.open(next + 1, halves.get(1), parents, now));
        ShardDefinition closed = parent.close(now);
        return new Reshard(stream, stream.withShards(List.of(closed), children), List.of(closed), children);
    }

    /** Merges two open shards whose ranges touch into one child owning their union. */
    public static Reshard merge(StreamDefinition stream, String shardId, String adjacentShardId, Instant now) {
        if (shardId.equals(adjacentShardId)) {
            throw new StreamException(StreamException.Reason.INVALID, "cannot merge shard " + shardId + " with itself");
        }
        ShardDefinition a = requireOpen(stream, shardId);
        ShardDefinition b = requireOpen(stream, adjacentShardId);
        if (!a.range().isAdjacentTo(b.range())) {
            throw new StreamException(
                    StreamException.Reason.NOT_ADJACENT,
                    "shards " + a.id() + " " + a.range() + " and " + b.id() + " " + b.range() + " of stream "
                            + stream.name() + " are not adjacent");
        }
        // Parents in hash order, so the child's lineage reads low range first.
        boolean aFirst = Long.compareUnsigned(a.range().start(), b.range().start()) < 0;
        ShardDefinition low = aFirst ? a : b;
        ShardDefinition high = aFirst ? b : a;
        ShardDefinition child = ShardDefinition.open(
                stream.nextShardNumber(), low.range().union(high.range()), List.of(low.id(), high.id()), now);
        List<ShardDefinition> closed = List.of(low.close(now), high.close(now));
        return new Reshard(stream, stream.withShards(closed, List.of(child)), closed, List.of(child));
    }

    private static ShardDefinition requireOpen(StreamDefinition stream, String shardId) {
        ShardDefinition shard = stream.requireShard(shardId);
        if (!shard.isOpen()) {
            throw new StreamException(
                    StreamException.Reason.SHARD_CLOSED,
                    "shard " + shardId + " of stream " + stream.name() + " is closed: reshard its children instead");
        }
        return shard;
    }
}
