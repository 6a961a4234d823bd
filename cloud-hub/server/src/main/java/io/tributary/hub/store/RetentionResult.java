package io.tributary.hub.store;

/**
 * What {@link ShardStore#enforceRetention} removed.
 *
 * @param segmentsDeleted number of whole segments deleted
 * @param bytesDeleted bytes freed
 * @param oldestSequence first sequence still retained afterwards
 */
public record RetentionResult(int segmentsDeleted, long bytesDeleted, long oldestSequence) {}
