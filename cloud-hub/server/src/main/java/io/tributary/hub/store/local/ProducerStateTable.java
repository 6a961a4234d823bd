package io.tributary.hub.store.local;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import java.util.HashMap;
import java.util.Map;

/**
 * Per shard and per {@link ProducerKey}: the highest stored producer sequence and a ring of the most recent runs
 * (producer sequence range → shard base sequence). Filled by recovery from the batch headers, then by the writer as it
 * appends, so a retried run is recognised across restarts.
 *
 * <p>Threads: confined to the shard's writer thread (recovery hands it over before the writer starts).
 */
final class ProducerStateTable {
    private final int window;
    private final Map<ProducerKey, ProducerState> states = new HashMap<>();

    ProducerStateTable(int window) {
        this.window = window;
    }

    /**
     * Classifies the run {@code first..last} of {@code producer} against what was recorded. A producer not seen
     * before may start anywhere (its earlier runs may have been retained away or live in a parent shard); a known one
     * must continue at {@code highest + 1}, so its order in the shard is its send order.
     */
    ProducerLookup lookup(ProducerKey producer, long first, long last) {
        ProducerState s = states.get(producer);
        if (s == null || s.highest < 0) {
            return ProducerLookup.newRun(-1);
        }
        if (first == s.highest + 1) {
            return ProducerLookup.newRun(s.highest);
        }
        if (first > s.highest + 1) {
            return new ProducerLookup(ProducerLookup.Outcome.GAP, -1, 0, s.highest);
        }
        if (last > s.highest) {
            return new ProducerLookup(ProducerLookup.Outcome.OVERLAP, -1, 0, s.highest);
        }
        for (int i = 0; i < s.size; i++) {
            if (s.runFirst[i] == first && s.runLast[i] == last) {
                return new ProducerLookup(ProducerLookup.Outcome.DUPLICATE, s.runBase[i], s.runCount[i], s.highest);
            }
        }
        return new ProducerLookup(ProducerLookup.Outcome.ALREADY_COVERED, -1, 0, s.highest);
    }

    /** Records a stored run. */
    void record(ProducerKey producer, long first, long last, long baseSequence, int recordCount) {
        ProducerState s = state(producer);
        s.highest = Math.max(s.highest, last);
        int slot = s.next;
        s.runFirst[slot] = first;
        s.runLast[slot] = last;
        s.runBase[slot] = baseSequence;
        s.runCount[slot] = recordCount;
        s.next = (slot + 1) % window;
        s.size = Math.min(s.size + 1, window);
    }

    /** The producer's encoded names, cached with its state. */
    ProducerNames names(ProducerKey producer) {
        return state(producer).names;
    }

    int producerCount() {
        return states.size();
    }

    private ProducerState state(ProducerKey producer) {
        return states.computeIfAbsent(producer, k -> new ProducerState(ProducerNames.of(k), window));
    }

    private static final class ProducerState {
        final ProducerNames names;
        final long[] runFirst;
        final long[] runLast;
        final long[] runBase;
        final int[] runCount;
        long highest = -1;
        int next;
        int size;

        ProducerState(ProducerNames names, int window) {
            this.names = names;
            this.runFirst = new long[window];
            this.runLast = new long[window];
            this.runBase = new long[window];
            this.runCount = new int[window];
        }
    }
}
