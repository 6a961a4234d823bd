package io.tributary.sim.verify;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Where the verifier reads observed records from: an in-process test sink ({@link QueueRecordSource}) or the hub
 * ({@link HubRecordSource}). Payloads that cannot be parsed are the source's to count (or to hand to
 * {@link Verifier#observePayload}).
 *
 * <p>Threads: {@link #poll} is called by one verifier thread at a time.
 */
public interface RecordSource extends AutoCloseable {

    /**
     * Hands every record available now to {@code sink}, waiting up to {@code timeout} for the first one.
     *
     * @return the number of records delivered, 0 when none arrived in time
     * @throws Exception when the source failed; the verifier reports it and stops
     */
    int poll(Duration timeout, Consumer<ObservedRecord> sink) throws Exception;

    /** Releases the source; the default does nothing. */
    @Override
    default void close() {}
}
