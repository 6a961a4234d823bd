package io.tributary.edge.buffer;

/**
 * A record as the writer stores it: its protobuf bytes with the id already in them, plus what the chunk's meta needs,
 * so that the writer never parses or rebuilds a record message.
 *
 * @param bytes the serialized {@link io.tributary.protocol.v1.Record}, id included
 * @param position its lane position (the id's epoch and sequence)
 * @param edgeReceiveTimeMs the record's edge receive time
 * @param expireAtMs when it expires unsent, or {@link StoredRecord#NEVER}
 */
record EncodedRecord(byte[] bytes, LanePosition position, long edgeReceiveTimeMs, long expireAtMs) {}
