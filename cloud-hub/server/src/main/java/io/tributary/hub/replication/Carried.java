package io.tributary.hub.replication;

import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReplicaCheckpoint;
import io.tributary.protocol.v1.ReplicaGrant;
import io.tributary.protocol.v1.ReplicaGrants;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What travels with a replicated stream besides its batches: the epoch grants the home gave (so a promoted region
 * fences the same agents) and the consumer groups' checkpoints (so a group resumes at the new home where it left off).
 * The home sends them when they are recorded and again to a replica that (re)connects or follows; the replica records
 * them, never letting a lease token go back.
 *
 * <p>Thread rules: thread-safe; disk work (grant claims, checkpoint commits) runs on the hub's worker executor or the
 * checkpoint committer, sends hop onto each link's loop.
 */
final class Carried {
    private static final Logger log = LoggerFactory.getLogger(Carried.class);

    private final Replicator hub;
    private final GrantTable grants;
    private final CheckpointStore checkpoints;
    private final Map<String, ReplicaLink> links;

    Carried(Replicator hub, GrantTable grants, CheckpointStore checkpoints, Map<String, ReplicaLink> links) {
        this.hub = hub;
        this.grants = grants;
        this.checkpoints = checkpoints;
        this.links = links;
    }

    /** Starts sending what is recorded from now on. */
    void start() {
        grants.onRecorded(this::granted);
        checkpoints.onCommitted(this::checkpointsCommitted);
    }

    void adoptGrants(ReplicaGrants frame) {
        hub.worker().execute(() -> {
            for (ReplicaGrant g : frame.getGrantsList()) {
                try {
                    grants.claim(g.getAgentId(), g.getGrant());
                } catch (IOException | IllegalArgumentException e) {
                    log.warn("replication: cannot record the grant of {}: {}", g.getAgentId(), e.toString());
                }
            }
        });
    }

    /** Replica side: a group's checkpoint committed at home; stored here so the group resumes after a promotion. */
    void adoptCheckpoint(ReplicaCheckpoint c) {
        StreamDefinition stream = hub.streams().find(c.getStream()).orElse(null);
        if (stream == null || stream.replication().isHome(hub.region())) {
            return; // the home's own checkpoints are the group's; a stale home's are not taken
        }
        Optional<CheckpointStore.Row> held = checkpoints.row(c.getStream(), c.getConsumerGroup(), c.getShardId());
        if (held.isPresent() && held.get().token() > c.getLeaseToken()) {
            return; // an older row (sent again after a reconnect): lease tokens never go back
        }
        checkpoints
                .commit(List.of(CheckpointStore.row(
                        c.getStream(),
                        c.getConsumerGroup(),
                        c.getShardId(),
                        c.getSequence(),
                        c.getLeaseToken(),
                        c.getShardEnd())))
                .exceptionally(e -> {
                    log.warn(
                            "replication: cannot store the checkpoint of group {}: {}",
                            c.getConsumerGroup(),
                            e.toString());
                    return null;
                });
    }

    /** The checkpoints of a stream homed here, for a replica that just followed it. */
    List<Frame> checkpointsOf(String stream) {
        return checkpoints.rowsOf(stream).stream().map(Carried::checkpointFrame).toList();
    }

    private static Frame checkpointFrame(CheckpointStore.Row r) {
        return Frame.newBuilder()
                .setReplicaCheckpoint(ReplicaCheckpoint.newBuilder()
                        .setStream(r.stream())
                        .setConsumerGroup(r.group())
                        .setShardId(r.shardId())
                        .setSequence(r.checkpoint())
                        .setLeaseToken(r.token())
                        .setShardEnd(r.ended()))
                .build();
    }

    /** Home side: sends durable checkpoints of replicated streams homed here to their replica regions. */
    void checkpointsCommitted(List<CheckpointStore.Row> rows) {
        for (CheckpointStore.Row r : rows) {
            StreamDefinition stream = hub.streams().find(r.stream()).orElse(null);
            if (stream == null
                    || !stream.replication().replicated()
                    || !stream.replication().isHome(hub.region())) {
                continue;
            }
            Frame f = checkpointFrame(r);
            for (String replica : stream.replication().replicaRegions()) {
                ReplicaLink l =
                        links.get(replica + "@" + stream.replication().regions().get(replica));
                if (l != null) {
                    l.sendIfConnected(f);
                }
            }
        }
    }

    /** The grant table, for a replica that just connected. */
    List<Frame> grantsOffer() {
        ReplicaGrants.Builder b = ReplicaGrants.newBuilder();
        grants.snapshot()
                .forEach((id, g) ->
                        b.addGrants(ReplicaGrant.newBuilder().setAgentId(id).setGrant(g)));
        return b.getGrantsCount() == 0
                ? List.of()
                : List.of(Frame.newBuilder().setReplicaGrants(b).build());
    }

    void granted(String id, long grant) {
        Frame f = Frame.newBuilder()
                .setReplicaGrants(ReplicaGrants.newBuilder()
                        .addGrants(ReplicaGrant.newBuilder().setAgentId(id).setGrant(grant)))
                .build();
        links.values().forEach(l -> l.sendIfConnected(f));
    }
}
