package io.tributary.edge.buffer;

import io.tributary.protocol.v1.RecordId;
import java.util.List;

/**
 * The result of {@link DurableBuffer#append(List, java.util.Map)}: one outcome for the whole group (its records and
 * markers are committed together or not at all) and, when {@link AppendOutcome#STORED}, the ids given to the records in
 * their order.
 */
public record AppendedAll(AppendOutcome outcome, List<RecordId> ids) {

    public AppendedAll {
        ids = List.copyOf(ids);
    }

    static AppendedAll stored(List<RecordId> ids) {
        return new AppendedAll(AppendOutcome.STORED, ids);
    }

    static AppendedAll refused(AppendOutcome outcome) {
        return new AppendedAll(outcome, List.of());
    }

    /** True when the records and markers are durable. */
    public boolean isStored() {
        return outcome == AppendOutcome.STORED;
    }
}
