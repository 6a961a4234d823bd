package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Frees stored chunks that will not be delivered: drops or rolls up the oldest under quota pressure, and removes
 * expired records. Every record it takes away is counted in the {@link LossLedger} within the same transaction.
 * Rewritten chunks keep their chunk number and their records' original ids, so lane order is unchanged.
 *
 * <p>Thread rules: writer thread only, holding the buffer's write lock (it changes published chunks).
 */
final class SpaceReclaimer {

    private final BufferStore store;
    private final ChunkIndex index;
    private final LossLedger ledger;
    private final Map<String, LanePosition> released;
    private final long windowMs;

    SpaceReclaimer(
            BufferStore store, ChunkIndex index, LossLedger ledger, Map<String, LanePosition> released, long windowMs) {
        this.store = store;
        this.index = index;
        this.ledger = ledger;
        this.released = released;
        this.windowMs = windowMs;
    }

    /** Frees one chunk's worth of space by the policy; false when nothing is stored any more. */
    boolean reclaimOne(OverflowPolicy policy) {
        if (policy == OverflowPolicy.AGGREGATE_OLDEST) {
            Optional<ChunkMeta> raw = index.oldestRaw();
            if (raw.isPresent()) {
                rollUp(raw.get());
                return true;
            }
        }
        Optional<ChunkMeta> oldest = index.oldest();
        oldest.ifPresent(m -> drop(m, LossReason.DROPPED));
        return oldest.isPresent();
    }

    /** Removes unsent records whose time to live has passed, counting them as expired. */
    void expire(long nowMs) {
        List<ChunkMeta> due = new ArrayList<>();
        for (ChunkMeta m : index.all()) {
            if (m.minExpireAtMs() <= nowMs) {
                due.add(m);
            }
        }
        for (ChunkMeta m : due) {
            List<StoredRecord> keep = new ArrayList<>();
            int expired = 0;
            for (StoredRecord r : unreleased(m)) {
                if (r.isExpired(nowMs)) {
                    expired++;
                } else {
                    keep.add(r);
                }
            }
            ledger.add(LossReason.EXPIRED, expired);
            replace(m, keep, m.aggregate());
        }
    }

    /** Removes a chunk, counting its unreleased records under {@code reason}. */
    void drop(ChunkMeta m, LossReason reason) {
        ledger.add(reason, unreleased(m).size());
        store.removeChunk(m.chunkNo());
        index.remove(m);
    }

    private void rollUp(ChunkMeta m) {
        List<StoredRecord> raws = unreleased(m);
        RollUp.Result result = RollUp.of(raws, windowMs);
        if (result.aggregates().size() > raws.size()) {
            drop(m, LossReason.DROPPED); // more roll-ups than ids to give them: rolling up would not shrink it
            return;
        }
        List<StoredRecord> withIds = new ArrayList<>(result.aggregates().size());
        for (int i = 0; i < result.aggregates().size(); i++) {
            StoredRecord a = result.aggregates().get(i);
            Record r =
                    a.record().toBuilder().setId(raws.get(i).record().getId()).build();
            withIds.add(new StoredRecord(r, a.expireAtMs()));
        }
        ledger.add(LossReason.ROLLED_UP, result.rolledUp());
        ledger.add(LossReason.DROPPED, result.unaggregatable());
        replace(m, withIds, true);
    }

    private void replace(ChunkMeta m, List<StoredRecord> records, boolean aggregate) {
        if (records.isEmpty()) {
            store.removeChunk(m.chunkNo());
            index.remove(m);
            return;
        }
        byte[] bytes = ChunkCodec.encode(records);
        ChunkMeta meta = ChunkMeta.describe(m.chunkNo(), m.lane(), records, bytes.length, aggregate);
        store.putChunk(meta, bytes);
        index.put(meta);
    }

    private List<StoredRecord> unreleased(ChunkMeta m) {
        LanePosition watermark = released.getOrDefault(m.lane(), LanePosition.BEFORE_FIRST);
        List<StoredRecord> out = new ArrayList<>(m.count());
        store.chunk(m.chunkNo()).ifPresent(bytes -> {
            for (StoredRecord r : ChunkCodec.decode(bytes)) {
                if (r.position().isAfter(watermark)) {
                    out.add(r);
                }
            }
        });
        return out;
    }
}
