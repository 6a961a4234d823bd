package io.tributary.hub.stream;

import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps stream metadata to and from the admin wire messages of {@code admin.proto}.
 *
 * <p>{@link ShardDescription} carries only the metadata this package owns: id, range, parents and open flag. The
 * store's live fields ({@code oldest_sequence}, {@code next_sequence}, {@code retained_bytes}, {@code status}) are
 * left unset for the admin handler to fill in. Shard times travel as {@code created_ms} / {@code closed_ms}; a
 * description without them (older senders) gives every shard the stream's creation time. Stateless.
 */
public final class StreamMessages {

    private StreamMessages() {}

    public static StreamDescription toDescription(StreamDefinition stream) {
        StreamDescription.Builder b = StreamDescription.newBuilder()
                .setStream(stream.name())
                .setKeyMode(stream.keyMode().toProto())
                .setRetentionMs(stream.retention().maxAge().toMillis())
                .setRetentionBytes(stream.retention().maxBytes())
                .setCreatedMs(stream.createdAt().toEpochMilli());
        for (ShardDefinition shard : stream.shards()) {
            b.addShards(toDescription(shard));
        }
        stream.replication().writeTo(b);
        return b.build();
    }

    public static ShardDescription toDescription(ShardDefinition shard) {
        return ShardDescription.newBuilder()
                .setShardId(shard.id())
                .setStartHash(shard.range().start())
                .setEndHash(shard.range().end())
                .addAllParentShards(shard.parentIds())
                .setOpen(shard.isOpen())
                .setCreatedMs(shard.createdAt().toEpochMilli())
                .setClosedMs(shard.closedAt().map(Instant::toEpochMilli).orElse(0L))
                .build();
    }

    /**
     * The stream a description describes.
     *
     * @throws StreamException {@link StreamException.Reason#INVALID} if the description breaks any rule of
     *     {@link StreamDefinition}
     */
    public static StreamDefinition fromDescription(StreamDescription description) {
        Instant created = Instant.ofEpochMilli(description.getCreatedMs());
        return fromDescription(
                description,
                id -> description.getShardsList().stream()
                        .filter(s -> s.getShardId().equals(id))
                        .findFirst()
                        .map(s -> new ShardTimes(
                                s.getCreatedMs() == 0 ? created : Instant.ofEpochMilli(s.getCreatedMs()),
                                s.getOpen()
                                        ? Optional.empty()
                                        : Optional.of(
                                                s.getClosedMs() == 0
                                                        ? created
                                                        : Instant.ofEpochMilli(s.getClosedMs()))))
                        .orElseThrow(() -> new StreamException(StreamException.Reason.INVALID, "no shard " + id)));
    }

    /** Creation and closing time of one shard, which the wire form does not carry. */
    record ShardTimes(Instant createdAt, Optional<Instant> closedAt) {}

    /** Lookup of {@link ShardTimes} by shard id. */
    interface ShardTimesSource {
        ShardTimes timesOf(String shardId);
    }

    static StreamDefinition fromDescription(StreamDescription description, ShardTimesSource times) {
        List<ShardDefinition> shards = new ArrayList<>(description.getShardsCount());
        for (ShardDescription s : description.getShardsList()) {
            ShardTimes t = times.timesOf(s.getShardId());
            if (s.getOpen() != t.closedAt().isEmpty()) {
                throw new StreamException(
                        StreamException.Reason.INVALID,
                        "shard " + s.getShardId() + " open flag disagrees with its closing time");
            }
            shards.add(new ShardDefinition(
                    s.getShardId(),
                    new HashRange(s.getStartHash(), s.getEndHash()),
                    s.getParentShardsList(),
                    t.createdAt(),
                    t.closedAt()));
        }
        return new StreamDefinition(
                description.getStream(),
                KeyMode.fromProto(description.getKeyMode()),
                Retention.of(description.getRetentionMs(), description.getRetentionBytes()),
                Instant.ofEpochMilli(description.getCreatedMs()),
                shards,
                Replication.readFrom(description));
    }
}
