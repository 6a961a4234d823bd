package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import java.util.function.Supplier;

/** What a {@link PulsarShard} reports of itself, by its state. Stateless. */
final class ShardInfos {
    private ShardInfos() {}

    /**
     * @param self this store's writer name ({@link WriterName#toString()}): the writer of an ONLINE shard
     * @param offline why appends are refused; null while the shard is ONLINE
     * @param closed the store let go of the shard
     * @param unavailable what an append would be refused with (the cause of an OFFLINE shard)
     */
    static ShardInfo of(
            ShardKey key,
            String self,
            ShardUnavailableException offline,
            boolean closed,
            SequenceIndex index,
            long highWaterMark,
            Supplier<ShardUnavailableException> unavailable) {
        ShardStatus status;
        if (offline == null && !closed) {
            status = ShardStatus.ONLINE;
        } else if (offline instanceof ReplicaFollower.ReadOnly && !closed) {
            status = ShardStatus.REPLICA; // positions as far as the copy arrived: reads are served
        } else if (offline instanceof ShardWrittenElsewhereException e
                && !closed
                && !e.writerEndpoint().isEmpty()) {
            // This store's index is empty or stale (the shard moved on at its writer): no positions to tell. (With no
            // endpoint to send producers to, the shard counts as OFFLINE below: this hub cannot serve them.)
            return new ShardInfo(
                    key,
                    -1,
                    -1,
                    -1,
                    0,
                    ShardStatus.WRITTEN_ELSEWHERE,
                    "written by another hub: " + e.writer(),
                    e.writer());
        } else {
            status = ShardStatus.OFFLINE;
        }
        long oldest = index.size() > 0 ? index.base(0) : highWaterMark;
        String cause =
                switch (status) {
                    case ONLINE -> "";
                    case REPLICA -> ReplicaFollower.ReadOnly.CAUSE;
                    default -> unavailable.get().getMessage();
                };
        // OFFLINE because its holder cannot take producers (an earlier run of this hub, a hub with no endpoint): named
        // as the refusal names it. Unknown otherwise.
        String writer = status == ShardStatus.ONLINE
                ? self
                : offline instanceof ShardWrittenElsewhereException e && !closed ? e.writer() : "";
        return new ShardInfo(
                key, oldest, highWaterMark, index.bytes(), index.size() > 0 ? 1 : 0, status, cause, writer);
    }
}
