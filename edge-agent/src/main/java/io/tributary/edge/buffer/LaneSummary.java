package io.tributary.edge.buffer;

/**
 * What the buffer holds of one lane, for the console.
 *
 * @param lane the lane (a device group, or group/device when partitioning by device; aggregate lanes too)
 * @param records records stored, unsent or awaiting the release of their chunk
 * @param bytes encoded chunk bytes stored (what the quota counts)
 * @param oldestAppendMs when the lane's oldest stored record was appended (epoch milliseconds)
 */
public record LaneSummary(String lane, long records, long bytes, long oldestAppendMs) {}
