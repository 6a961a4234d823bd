package io.tributary.edge.buffer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What of each lane is on its way to the hub, as the forwarder reports it ({@link DurableBuffer#readForDelivery}),
 * so that {@link SpaceReclaimer} counts in the {@link LossLedger} exactly the records that never reach the hub.
 *
 * <p>Per lane, in lane order: records up to {@code acked} are at the hub (their release is on its way); records after
 * it up to {@code sent} were sent and not answered yet — the hub may store them even if the connection carrying them
 * is lost before the ack arrives, so their fate is unknown until they are acknowledged (or sent again and then
 * acknowledged). The reclaimer frees the first kind without counting them and never takes the second: it takes the
 * oldest records that are not on their way, which are the only ones it can truly lose.
 *
 * <p>Thread rules: holds are set by the forwarder while it holds the buffer's read lock, in the same critical section
 * as the read of the records they cover; the reclaimer reads them on the writer thread while it holds the write lock.
 * So a record read for sending is never taken before its hold is in place.
 */
final class DeliveryHolds {

    /** What happens to a stored record when space is reclaimed. */
    enum Fate {
        /** At or below the released watermark or the hub's acknowledgement: freed, not a loss. */
        DELIVERED,
        /** Sent and not answered: kept. */
        HELD,
        /** Not on its way: may be dropped, rolled up or expired, and then counted. */
        TAKEABLE
    }

    private record Hold(LanePosition acked, LanePosition sent) {}

    private final Map<String, Hold> holds = new ConcurrentHashMap<>();

    /** Sets the lane's hold; see {@link DurableBuffer#readForDelivery}. */
    void hold(String lane, LanePosition acked, LanePosition sent) {
        holds.put(lane, new Hold(acked, sent));
    }

    /** The fate of the record at {@code p} in {@code lane}, whose released watermark is {@code released}. */
    Fate fate(String lane, LanePosition released, LanePosition p) {
        Hold h = holds.get(lane);
        LanePosition delivered = h == null ? released : released.max(h.acked());
        if (!p.isAfter(delivered)) {
            return Fate.DELIVERED;
        }
        return h != null && !p.isAfter(h.sent()) ? Fate.HELD : Fate.TAKEABLE;
    }

    /** True when every record of the chunk is {@link Fate#HELD}: reclaiming it would free nothing. */
    boolean holdsAll(ChunkMeta m, LanePosition released) {
        return fate(m.lane(), released, m.first()) == Fate.HELD && fate(m.lane(), released, m.last()) == Fate.HELD;
    }
}
