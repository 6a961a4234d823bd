package io.tributary.protocol.log;

import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The correlation ids of log lines about a batch, the same keys on the edge agent and the hub, so that one record can
 * be followed from the agent that buffered it to the shard that stores it (the text layout prints them as {@code
 * key="value"}, the JSON layout in {@code kvpList}):
 *
 * <ul>
 *   <li>{@code agent}, {@code epoch}, {@code lane}, {@code seq}: the record ids the edge gave (agent id, buffer
 *       epoch, device-group lane, gap-free sequence range {@code first..last} in the lane);
 *   <li>{@code stream}, {@code shard}, {@code shard_seq}: where the hub stored the batch (shard sequence range).
 * </ul>
 *
 * Stateless.
 */
public final class Correlation {
    private Correlation() {}

    /** agent, epoch, lane, seq and stream of a batch sent by {@code agent}. */
    public static Map<String, Object> batch(String agent, Batch b) {
        Map<String, Object> ids = new LinkedHashMap<>();
        ids.put("agent", agent);
        ids.put("epoch", b.getAgentEpoch());
        ids.put("lane", b.getLane());
        ids.put("seq", range(b.getFirstSequence(), b.getLastSequence()));
        ids.put("stream", b.getStream());
        return ids;
    }

    /** ... and shard and shard_seq from the hub's acknowledgement of it. */
    public static Map<String, Object> stored(String agent, Batch b, BatchAck ack) {
        Map<String, Object> ids = batch(agent, b);
        if (ack.getShardsCount() > 0) {
            ids.put("shard", String.join(",", ack.getShardsList()));
        }
        long first = -1;
        long last = -1;
        for (long s : ack.getSequenceList()) {
            if (s >= 0) {
                first = first < 0 ? s : Math.min(first, s);
                last = Math.max(last, s);
            }
        }
        ids.put("shard_seq", first < 0 ? "duplicate" : range(first, last));
        return ids;
    }

    /** Adds every id as a key-value pair of the event. */
    public static LoggingEventBuilder addTo(LoggingEventBuilder event, Map<String, ?> ids) {
        LoggingEventBuilder e = event;
        for (Map.Entry<String, ?> id : ids.entrySet()) {
            e = e.addKeyValue(id.getKey(), id.getValue());
        }
        return e;
    }

    private static String range(long first, long last) {
        return first == last ? Long.toString(first) : first + ".." + last;
    }
}
