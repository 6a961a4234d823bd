package io.tributary.hub.replication;

import com.google.protobuf.ByteString;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import io.tributary.hub.subscribe.ShardNotifier;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReplicaBatches;
import io.tributary.protocol.v1.ReplicatedBatch;
import java.util.ArrayDeque;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one shard to one replica region, in sequence order, from where the replica asked ({@code ReplicaFollow}),
 * keeping at most {@code replication.window-bytes} sent and not yet acknowledged. Woken by every durable append of the
 * shard and by every {@code ReplicaAck}. Reads happen on the hub's worker executor (they may touch the disk); at most
 * one is in progress.
 *
 * <p>Thread rules: confined to the link's event loop, except {@link #onAppended}, which only hands off to it.
 */
final class ShardShipper implements ShardNotifier.Listener {
    private static final Logger log = LoggerFactory.getLogger(ShardShipper.class);
    private static final int READ_MAX_RECORDS = 50_000;
    private static final int READ_MAX_BYTES = 1 << 20;

    private record Sent(long end, long appendTimeMs, long bytes) {}

    private final ShardKey key;
    private final ReplicaLink link;
    private final LagBoard.Entry lag;
    private final ArrayDeque<Sent> sent = new ArrayDeque<>();
    private boolean following;
    private boolean reading;
    private long generation;
    private long nextToSend;
    private long acked;
    private long inflightBytes;
    /** Counts follows: a read that started under an earlier one is dropped. */
    private long epoch;
    /** The next frame tells the replica to restart the shard (the home no longer retains what it asked for). */
    private boolean restart;

    ShardShipper(ShardKey key, ReplicaLink link, LagBoard.Entry lag) {
        this.key = key;
        this.link = link;
        this.lag = lag;
    }

    /**
     * The replica asked for everything from {@code from} on, under {@code generation}; {@code previousCrc} is its batch
     * just below {@code from} ({@link BatchCrc}), or null when it has none.
     */
    void follow(long from, long generation, Integer previousCrc) {
        long hwm = link.home().highWaterMark(key);
        if (from > hwm) {
            // The replica holds what this shard does not: it must not count as replicated. It cuts and asks again.
            log.warn(
                    "replication of {} to {}: the replica follows from {}, above this shard's high-water mark {};"
                            + " telling it to cut there",
                    key,
                    link.region(),
                    from,
                    hwm);
            cut(hwm, generation, "replica ahead");
            return;
        }
        if (previousCrc == null) {
            start(from, generation);
            return;
        }
        // Check (off the loop: a disk read) that the replica's last batch below `from` is this shard's batch there.
        following = false;
        long checkEpoch = ++epoch;
        lag.state = "checking";
        link.home().worker().execute(() -> {
            Optional<StoredBatch> mine;
            try {
                mine = BatchCrc.endingAt(link.home().store(), key, from);
            } catch (RuntimeException e) {
                mine = Optional.empty(); // trimmed or unavailable here: nothing to compare with
            }
            Optional<StoredBatch> found = mine;
            link.execute(() -> {
                if (checkEpoch != epoch) {
                    return;
                }
                if (found.isEmpty()
                        || (found.get().nextSequence() == from && BatchCrc.of(found.get()) == previousCrc)) {
                    start(from, generation);
                } else {
                    log.warn(
                            "replication of {} to {}: the replica's batch below {} is not this shard's; telling it to"
                                    + " cut at {}",
                            key,
                            link.region(),
                            from,
                            found.get().baseSequence());
                    cut(found.get().baseSequence(), generation, "replica diverged");
                }
            });
        });
    }

    private void cut(long at, long generation, String why) {
        following = false;
        epoch++;
        lag.state = why + ": cutting at " + at;
        link.send(Frame.newBuilder()
                .setReplicaBatches(ReplicaBatches.newBuilder()
                        .setStream(key.stream())
                        .setShardId(key.shardId())
                        .setGeneration(generation)
                        .setCutAt(at)
                        .setHomeNextSequence(link.home().highWaterMark(key))
                        .setHomeTimeMs(link.home().clock().millis()))
                .build());
    }

    private void start(long from, long generation) {
        this.following = true;
        this.generation = generation;
        this.nextToSend = from;
        this.acked = from;
        this.inflightBytes = 0;
        this.epoch++;
        this.restart = false;
        sent.clear();
        lag.replicaNext = from;
        lag.oldestPendingAppendMs = 0;
        lag.state = "following";
        link.home().watermarks().acked(key, from);
        pump();
    }

    /** The connection is gone: nothing more is sent until the replica follows again. */
    void pause(String why) {
        following = false;
        epoch++;
        lag.state = why;
    }

    /** Called on the store's thread after a durable append: hop to the link's loop. */
    @Override
    public void onAppended(ShardKey shard) {
        link.execute(this::pump);
    }

    /** The replica has everything below {@code next} durably. */
    void acked(long next) {
        // Never more than was sent under this follow: an ack cannot vouch for what the replica did not get from here.
        next = Math.min(next, nextToSend);
        if (!following || next <= acked) {
            return;
        }
        long bytes = 0;
        while (!sent.isEmpty() && sent.peekFirst().end() <= next) {
            Sent s = sent.removeFirst();
            inflightBytes -= s.bytes();
            bytes += s.bytes();
        }
        acked = next;
        lag.replicaNext = next;
        lag.oldestPendingAppendMs = sent.isEmpty() ? 0 : sent.peekFirst().appendTimeMs();
        lag.replicatedBytes(bytes);
        link.home().watermarks().acked(key, next);
        pump();
    }

    void pump() {
        if (!following || reading || inflightBytes >= link.home().windowBytes() || !link.connected()) {
            return;
        }
        long hwm;
        try {
            hwm = link.home().store().info(key).nextSequence();
        } catch (RuntimeException e) {
            return; // shard not open (deleted or offline): the next append or follow tries again
        }
        if (nextToSend >= hwm) {
            return;
        }
        reading = true;
        long from = nextToSend;
        long readEpoch = epoch;
        link.home().worker().execute(() -> {
            ReadResult r = null;
            long restartAt = -1;
            RuntimeException failure = null;
            try {
                r = link.home().store().read(key, from, READ_MAX_RECORDS, READ_MAX_BYTES);
            } catch (TrimmedException t) {
                restartAt = link.home().store().info(key).oldestSequence();
            } catch (RuntimeException e) {
                failure = e;
            }
            ReadResult result = r;
            long restart = restartAt;
            RuntimeException error = failure;
            link.execute(() -> afterRead(readEpoch, from, result, restart, error));
        });
    }

    private void afterRead(long readEpoch, long from, ReadResult r, long restartAt, RuntimeException error) {
        reading = false;
        if (readEpoch != epoch || !following) {
            pump();
            return;
        }
        if (error != null) {
            log.warn("replication of {} to {}: read from {} failed: {}", key, link.region(), from, error.toString());
            lag.state = "read failed: " + error.getMessage();
            link.schedule(this::pump, 1000); // and so do the next append or ack
            return;
        }
        if (restartAt >= 0) {
            log.warn(
                    "replication of {} to {}: the replica asked for {}, which this hub no longer retains; it restarts"
                            + " at {}",
                    key,
                    link.region(),
                    from,
                    restartAt);
            nextToSend = restartAt;
            acked = Math.max(acked, restartAt);
            restart = true;
            pump();
            return;
        }
        if (r.batches().isEmpty()) {
            return;
        }
        ReplicaBatches.Builder frame = ReplicaBatches.newBuilder()
                .setStream(key.stream())
                .setShardId(key.shardId())
                .setGeneration(generation)
                .setRestart(restart)
                .setHomeNextSequence(r.highWaterMark())
                .setHomeTimeMs(link.home().clock().millis());
        long bytes = 0;
        for (StoredBatch b : r.batches()) {
            frame.addBatches(toProto(b));
            bytes += b.payload().remaining();
        }
        restart = false;
        StoredBatch first = r.batches().get(0);
        sent.addLast(new Sent(r.nextSequence(), first.appendTimeMs(), bytes));
        if (lag.oldestPendingAppendMs == 0) {
            lag.oldestPendingAppendMs = first.appendTimeMs();
        }
        inflightBytes += bytes;
        nextToSend = r.nextSequence();
        link.home().metrics().sent(r.batches().size(), r.recordCount(), bytes);
        link.send(Frame.newBuilder().setReplicaBatches(frame).build());
        pump();
    }

    static ReplicatedBatch toProto(StoredBatch b) {
        return ReplicatedBatch.newBuilder()
                .setBaseSequence(b.baseSequence())
                .setRecordCount(b.recordCount())
                .setCodec(b.codec())
                .setPayload(ByteString.copyFrom(b.payload().duplicate()))
                .setAppendTimeMs(b.appendTimeMs())
                .setFirstEventTimeMs(b.firstEventTimeMs())
                .setLastEventTimeMs(b.lastEventTimeMs())
                .setAgentId(b.producer().agentId())
                .setLane(b.producer().lane())
                .setAgentEpoch(b.producer().epoch())
                .setProducerFirstSequence(b.producerFirstSeq())
                .setProducerLastSequence(b.producerLastSeq())
                .build();
    }
}
