package io.tributary.hub.group;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupShardLag;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Describes a {@link GroupCoordinator}'s group: its shards with owner, checkpoint and lag, from the group run here or
 * else from the durable rows in the {@link GroupStore}.
 *
 * <p>Thread rules: {@link #describe} blocks (call it from a worker); it reads the groups run here on the
 * coordinator's single group thread.
 */
final class GroupDescriber {
    private final StreamRegistry streams;
    private final GroupStore checkpoints;
    private final GroupLag lag;
    private final Map<GroupKey, ConsumerGroup> groups;
    private final ExecutorService thread;

    /** @param thread the coordinator's group thread */
    GroupDescriber(
            StreamRegistry streams,
            GroupStore checkpoints,
            GroupLag lag,
            Map<GroupKey, ConsumerGroup> groups,
            ExecutorService thread) {
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.lag = lag;
        this.groups = groups;
        this.thread = thread;
    }

    /** Describes a group's shards with owner, checkpoint and lag. Blocks; call from a worker thread. */
    GroupDescription describe(String stream, String group) {
        StreamDefinition def = streams.describe(stream);
        if (!GroupClaims.NAME.matcher(group).matches()) {
            throw new IllegalArgumentException("group name must match [A-Za-z0-9._-]{1,128}");
        }
        GroupKey key = new GroupKey(stream, group);
        record State(String owner, long checkpoint, boolean ended) {}
        Map<String, State> snapshot = call(() -> {
            ConsumerGroup g = groups.get(key);
            if (g == null) {
                return null;
            }
            Map<String, State> m = new HashMap<>();
            for (ShardLease l : g.leases().values()) {
                m.put(l.shardId, new State(l.granted() ? l.owner : ShardLease.NONE, l.checkpoint, l.ended));
            }
            return m;
        });
        if (snapshot == null) {
            // Not run here (nobody joined here yet, another hub coordinates it, or a replica, which holds the
            // checkpoints its home replicated): the durable rows, owners unknown here.
            Map<String, CheckpointStore.Row> rows;
            try {
                rows = checkpoints.read(key).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("group state unavailable: " + e, e);
            }
            snapshot = new HashMap<>();
            for (CheckpointStore.Row r : rows.values()) {
                snapshot.put(r.shardId(), new State(ShardLease.NONE, r.checkpoint(), r.ended()));
            }
        }
        GroupDescription.Builder d =
                GroupDescription.newBuilder().setStream(stream).setConsumerGroup(group);
        for (ShardDefinition s : def.shards()) {
            State v = snapshot.getOrDefault(s.id(), new State(ShardLease.NONE, -1, false));
            GroupLag.Lag l;
            try {
                l = lag.compute(new ShardKey(stream, s.id()), v.checkpoint(), v.ended());
            } catch (GroupLag.WrittenElsewhere e) {
                l = new GroupLag.Lag(0, -1); // another hub writes the shard: lag unknown here (lag_ms -1)
            } catch (RuntimeException e) {
                throw new IllegalStateException("lag of " + key.shard(s.id()) + " cannot be computed: " + e, e);
            }
            d.addShards(GroupShardLag.newBuilder()
                    .setShardId(s.id())
                    .setOwner(v.owner())
                    .setCheckpoint(v.checkpoint())
                    .setLagRecords(l.records())
                    .setLagMs(l.millis()));
        }
        return d.build();
    }

    private <T> T call(Callable<T> task) {
        try {
            return thread.submit(task).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("group state unavailable: " + e, e);
        }
    }
}
