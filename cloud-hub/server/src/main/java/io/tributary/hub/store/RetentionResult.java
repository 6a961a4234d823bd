package io.tributary.hub.store;

/**
 * What {@link ShardStore#enforceRetention} removed.
 *
 * @param segmentsDeleted number of whole segments deleted (the Pulsar store: ledgers Pulsar deleted)
 * @param bytesDeleted bytes freed (the Pulsar store: payload bytes trimmed)
 * @param oldestSequence first sequence still retained afterwards
 */
public record RetentionResult(int segmentsDeleted, long bytesDeleted, long oldestSequence) {}
