package io.tributary.hub.store;

import java.util.HashMap;
import java.util.Map;

/**
 * The de-duplication state of one shard, shared by the stores: per {@link ProducerKey} the highest stored producer
 * sequence and a ring of the most recent runs (producer sequence range → shard base sequence), so a retried run is
 * recognised ({@link #lookup}) after the store rebuilt this table from what it holds ({@link #record}).
 *
 * <p>Memory: about {@code 64 + 28 * window} bytes per producer key ever seen in the shard, plus the key.
 *
 * <p>Threads: not thread-safe; each store confines it to its shard's writer (or guards it with the shard's lock).
 */
public final class ProducerRuns {
    private final int window;
    private final Map<ProducerKey, Runs> states = new HashMap<>();

    /** @param window recent runs remembered per producer key for exact duplicate answers, at least 1 */
    public ProducerRuns(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1: " + window);
        }
        this.window = window;
    }

    /**
     * Classifies the run {@code first..last} of {@code producer} against what was recorded. A producer not seen
     * before may start anywhere (its earlier runs may have been retained away or live in a parent shard); a known one
     * must continue at {@code highest + 1}, so its order in the shard is its send order.
     */
    public ProducerLookup lookup(ProducerKey producer, long first, long last) {
        Runs s = states.get(producer);
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
    public void record(ProducerKey producer, long first, long last, long baseSequence, int recordCount) {
        Runs s = states.computeIfAbsent(producer, k -> new Runs(window));
        s.highest = Math.max(s.highest, last);
        int slot = s.next;
        s.runFirst[slot] = first;
        s.runLast[slot] = last;
        s.runBase[slot] = baseSequence;
        s.runCount[slot] = recordCount;
        s.next = (slot + 1) % window;
        s.size = Math.min(s.size + 1, window);
    }

    /** Number of producer keys recorded. */
    public int producerCount() {
        return states.size();
    }

    private static final class Runs {
        final long[] runFirst;
        final long[] runLast;
        final long[] runBase;
        final int[] runCount;
        long highest = -1;
        int next;
        int size;

        Runs(int window) {
            this.runFirst = new long[window];
            this.runLast = new long[window];
            this.runBase = new long[window];
            this.runCount = new int[window];
        }
    }
}
