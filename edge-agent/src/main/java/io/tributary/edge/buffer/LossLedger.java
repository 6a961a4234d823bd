package io.tributary.edge.buffer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts, by {@link LossReason}, the records that will never reach the hub. Each change is written to the store in
 * the same transaction as the deletion it counts, so the ledger survives restarts and never disagrees with the data.
 *
 * <p>Thread rules: only the writer thread calls {@link #add}; any thread may read.
 */
final class LossLedger {

    private final BufferStore store;
    private final Map<LossReason, AtomicLong> counts = new EnumMap<>(LossReason.class);

    LossLedger(BufferStore store) {
        this.store = store;
        for (LossReason r : LossReason.values()) {
            counts.put(r, new AtomicLong(store.counter(key(r))));
        }
    }

    /** After the log reopened: the committed counts (an add whose commit failed is undone). Writer thread. */
    void reload() {
        counts.forEach((r, c) -> c.set(store.counter(key(r))));
    }

    void add(LossReason reason, long records) {
        if (records > 0) {
            store.putCounter(key(reason), counts.get(reason).addAndGet(records));
        }
    }

    long get(LossReason reason) {
        return counts.get(reason).get();
    }

    Map<LossReason, Long> snapshot() {
        Map<LossReason, Long> out = new EnumMap<>(LossReason.class);
        counts.forEach((r, c) -> out.put(r, c.get()));
        return out;
    }

    private static String key(LossReason r) {
        return "loss." + r.tag();
    }
}
