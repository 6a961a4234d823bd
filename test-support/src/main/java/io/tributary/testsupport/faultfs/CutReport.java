package io.tributary.testsupport.faultfs;

import java.util.Map;

/**
 * What a {@link FaultFs#cut} took away. {@code counts}: {@code pagesDropped}, {@code pagesTorn}, {@code pagesKept}
 * (unsynced pages that survived), {@code lengthsChanged} (files whose length is not the written one),
 * {@code directoryChangesUndone} and {@code directoryChangesKept}; a count that is zero may be absent.
 */
public record CutReport(boolean dropAll, Map<String, Long> counts) {

    public CutReport {
        counts = Map.copyOf(counts);
    }

    /** A count, 0 when absent. */
    public long count(String name) {
        return counts.getOrDefault(name, 0L);
    }

    @Override
    public String toString() {
        return (dropAll ? "dropped all unsynced " : "dropped part of the unsynced ") + counts;
    }
}
