package io.tributary.edge.buffer;

import io.tributary.protocol.v1.RecordId;

/**
 * The result of {@link DurableBuffer#append}: the outcome and, when {@link AppendOutcome#STORED}, the id the record was
 * given (agent, epoch, lane, gap-free sequence). For other outcomes the id is {@link RecordId#getDefaultInstance()}.
 */
public record Appended(AppendOutcome outcome, RecordId id) {

    static Appended stored(RecordId id) {
        return new Appended(AppendOutcome.STORED, id);
    }

    static Appended refused(AppendOutcome outcome) {
        return new Appended(outcome, RecordId.getDefaultInstance());
    }

    /** True when the record is durable and the publish may be acknowledged. */
    public boolean isStored() {
        return outcome == AppendOutcome.STORED;
    }
}
