package io.tributary.hub.group;

import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link GroupCoordinator}'s lease grants: rebalances a group, makes its new grants durable in the {@link
 * GroupStore} before they count, and publishes the durable grants of owned leases for {@link GroupCoordinator#holds}
 * (and their lag to {@link GroupLag}). A revocation takes effect at once.
 *
 * <p>Thread rules: every group is touched only on the coordinator's single group thread, which never waits for a disk
 * (commits complete back onto it); the published tokens may be read from any thread.
 */
final class GroupLeases {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final StreamRegistry streams;
    private final GroupStore checkpoints;
    private final GroupLag lag;
    private final Map<GroupKey, ConsumerGroup> groups;
    /** Durable grants of owned leases: what {@link GroupCoordinator#holds} honours. */
    private final Map<GroupShard, Long> tokens;

    private final Consumer<Runnable> groupThread;

    /** @param groupThread runs a task on the coordinator's group thread */
    GroupLeases(
            StreamRegistry streams,
            GroupStore checkpoints,
            GroupLag lag,
            Map<GroupKey, ConsumerGroup> groups,
            Map<GroupShard, Long> tokens,
            Consumer<Runnable> groupThread) {
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.lag = lag;
        this.groups = groups;
        this.tokens = tokens;
        this.groupThread = groupThread;
    }

    /**
     * Recomputes the group's leases; revocations take effect at once, new grants once durable. Then runs {@code
     * then} on the group thread, after the commit of the grants (or of earlier ones still in flight).
     */
    void rebalance(GroupKey key, ConsumerGroup g, Runnable then) {
        Optional<StreamDefinition> def = streams.find(key.stream());
        if (def.isEmpty()) {
            then.run();
            return;
        }
        boolean granted = g.rebalance(def.get());
        publish(key, g);
        if (granted) {
            List<CheckpointStore.Row> rows =
                    g.leases().values().stream().map(l -> row(key, l)).toList();
            checkpoints
                    .commit(key, rows)
                    .whenComplete((v, e) -> run(() -> {
                        if (groups.get(key) != g) {
                            then.run(); // lost meanwhile: nothing of it is published any more
                            return;
                        }
                        if (e == null) {
                            for (CheckpointStore.Row r : rows) {
                                ShardLease l = g.leases().get(r.key().shardId());
                                l.durableToken = Math.max(l.durableToken, r.token());
                            }
                        } else {
                            // Not durable: withdraw the grants rather than risk granting a token twice.
                            log.error("cannot store the lease grants of group {}: {}", key, e.getMessage());
                            g.leases().values().stream()
                                    .filter(l -> !l.granted())
                                    .forEach(l -> l.owner = ShardLease.NONE);
                        }
                        publish(key, g);
                        then.run();
                    }));
        } else if (g.leases().values().stream().anyMatch(l -> l.owned() && !l.granted())) {
            checkpoints.sync(key).whenComplete((v, e) -> run(then));
        } else {
            then.run();
        }
    }

    /** Stops the lag gauges of {@code stream}'s group shards (its groups are forgotten). */
    void forgetLag(String stream) {
        lag.forget(k -> k.stream().equals(stream));
    }

    /** Stops the lag gauges of one group's shards (this hub let it go). */
    void forgetLag(GroupKey group) {
        lag.forget(k -> k.groupKey().equals(group));
    }

    /** Makes {@link GroupCoordinator#holds} honour exactly the durable grants of owned leases, and tracks their lag. */
    void publish(GroupKey key, ConsumerGroup g) {
        for (ShardLease l : g.leases().values()) {
            GroupShard shard = key.shard(l.shardId);
            if (l.granted()) {
                tokens.put(shard, l.token);
            } else {
                tokens.remove(shard);
            }
            lag.track(shard, l.checkpoint, l.ended);
        }
    }

    static CheckpointStore.Row row(GroupKey key, ShardLease l) {
        return new CheckpointStore.Row(key.shard(l.shardId), l.checkpoint, l.token, l.ended);
    }

    private void run(Runnable task) {
        groupThread.accept(task);
    }
}
