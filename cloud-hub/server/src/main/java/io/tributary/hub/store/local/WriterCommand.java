package io.tributary.hub.store.local;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import java.util.concurrent.CompletableFuture;

/** What a {@link ShardWriter} is asked to do, through its queue; each completes its future on the writer thread. */
sealed interface WriterCommand
        permits WriterCommand.Write,
                WriterCommand.Lookup,
                WriterCommand.Retention,
                WriterCommand.Cut,
                WriterCommand.Stop {
    CompletableFuture<?> future();

    /** A command that writes a batch; it takes part in the group commit. */
    sealed interface Write extends WriterCommand permits Append, ReplicaAppend {
        @Override
        CompletableFuture<AppendResult> future();
    }

    record Append(BatchToAppend batch, CompletableFuture<AppendResult> future) implements Write {}

    /**
     * A batch replicated from the home region, to store at exactly {@code baseSequence} with the home's append time
     * ({@code batch.allowGap()} is ignored: the producer run is recorded, not checked).
     */
    record ReplicaAppend(
            long baseSequence, long appendTimeMs, BatchToAppend batch, CompletableFuture<AppendResult> future)
            implements Write {}

    /**
     * Removes records: {@code truncate} (keep those below {@code sequence}) or {@code resetTo} (keep none, continue at
     * {@code sequence}). A barrier: the writes queued before it are committed and completed first.
     */
    record Cut(boolean reset, long sequence, CompletableFuture<Long> future) implements WriterCommand {}

    record Lookup(ProducerKey producer, long first, long last, CompletableFuture<ProducerLookup> future)
            implements WriterCommand {}

    record Retention(RetentionPolicy policy, CompletableFuture<RetentionResult> future) implements WriterCommand {}

    record Stop(CompletableFuture<Void> future) implements WriterCommand {}
}
