package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Frees stored chunks that will not be delivered: drops or rolls up the oldest under quota pressure, and removes
 * expired records. Every record it takes away is counted in the {@link LossLedger} within the same transaction.
 * Rewritten chunks keep their chunk number and their records' original ids, so lane order is unchanged.
 *
 * <p>Records on their way to the hub ({@link DeliveryHolds}: sent, not answered yet) are never taken: they may still
 * arrive, and counting them as lost would over-count the ledger. The reclaimer takes the oldest records that are not on
 * their way instead, keeping the held ones in the rewritten chunk; records the hub already acknowledged are freed
 * without being counted. When only held records are left, nothing can be freed and the caller refuses the new records
 * (counted as {@link LossReason#REJECTED}), so the ledger stays exact; the forwarder keeps what it holds well under the
 * quota so that this does not happen in practice.
 *
 * <p>Thread rules: writer thread only, holding the buffer's write lock (it changes published chunks).
 */
final class SpaceReclaimer {

    private final BufferStore store;
    private final ChunkIndex index;
    private final LossLedger ledger;
    private final Map<String, LanePosition> released;
    private final DeliveryHolds holds;
    private final long windowMs;

    SpaceReclaimer(
            BufferStore store,
            ChunkIndex index,
            LossLedger ledger,
            Map<String, LanePosition> released,
            DeliveryHolds holds,
            long windowMs) {
        this.store = store;
        this.index = index;
        this.ledger = ledger;
        this.released = released;
        this.holds = holds;
        this.windowMs = windowMs;
    }

    /** Frees one chunk's worth of space by the policy; false when nothing can be freed any more. */
    boolean reclaimOne(OverflowPolicy policy) {
        if (policy == OverflowPolicy.AGGREGATE_OLDEST) {
            Optional<ChunkMeta> raw = oldestFreeable(m -> !m.aggregate());
            if (raw.isPresent()) {
                rollUp(raw.get());
                return true;
            }
        }
        Optional<ChunkMeta> oldest = oldestFreeable(m -> true);
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
            Split s = split(m);
            List<StoredRecord> keep = new ArrayList<>(s.held());
            int expired = 0;
            for (StoredRecord r : s.takeable()) {
                if (r.isExpired(nowMs)) {
                    expired++;
                } else {
                    keep.add(r);
                }
            }
            if (keep.size() == s.all()) {
                continue; // only records on their way are due: kept, they may still arrive
            }
            ledger.add(LossReason.EXPIRED, expired);
            replace(m, keep, m.aggregate());
        }
    }

    /** Removes a chunk's records that are not on their way, counting them under {@code reason}. */
    private void drop(ChunkMeta m, LossReason reason) {
        Split s = split(m);
        ledger.add(reason, s.takeable().size());
        replace(m, s.held(), m.aggregate());
    }

    private void rollUp(ChunkMeta m) {
        Split s = split(m);
        List<StoredRecord> raws = s.takeable();
        RollUp.Result result = RollUp.of(raws, windowMs);
        if (result.aggregates().size() > raws.size()) {
            drop(m, LossReason.DROPPED); // more roll-ups than ids to give them: rolling up would not shrink it
            return;
        }
        List<StoredRecord> kept =
                new ArrayList<>(s.held().size() + result.aggregates().size());
        kept.addAll(s.held()); // before the roll-ups: held records come first in lane order
        for (int i = 0; i < result.aggregates().size(); i++) {
            StoredRecord a = result.aggregates().get(i);
            Record r =
                    a.record().toBuilder().setId(raws.get(i).record().getId()).build();
            kept.add(new StoredRecord(r, a.expireAtMs()));
        }
        ledger.add(LossReason.ROLLED_UP, result.rolledUp());
        ledger.add(LossReason.DROPPED, result.unaggregatable());
        // A chunk left with held raw records only may be rolled up later, once they are no longer on their way.
        replace(m, kept, m.aggregate() || !result.aggregates().isEmpty());
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

    /** The oldest chunk of the kind holding a record that is not on its way to the hub. */
    private Optional<ChunkMeta> oldestFreeable(Predicate<ChunkMeta> kind) {
        for (ChunkMeta m : index.all()) {
            if (kind.test(m) && !holds.holdsAll(m, releasedOf(m.lane()))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** A chunk's records that are on their way to the hub, and those the reclaimer may take, each in lane order. */
    private record Split(List<StoredRecord> held, List<StoredRecord> takeable, int all) {}

    private Split split(ChunkMeta m) {
        LanePosition watermark = releasedOf(m.lane());
        List<StoredRecord> held = new ArrayList<>();
        List<StoredRecord> takeable = new ArrayList<>(m.count());
        List<StoredRecord> records =
                store.chunk(m.chunkNo()).map(ChunkCodec::decode).orElse(List.of());
        for (StoredRecord r : records) {
            switch (holds.fate(m.lane(), watermark, r.position())) {
                case HELD -> held.add(r);
                case TAKEABLE -> takeable.add(r);
                case DELIVERED -> {} // at the hub: freed, not a loss
            }
        }
        return new Split(held, takeable, records.size());
    }

    private LanePosition releasedOf(String lane) {
        return released.getOrDefault(lane, LanePosition.BEFORE_FIRST);
    }
}
