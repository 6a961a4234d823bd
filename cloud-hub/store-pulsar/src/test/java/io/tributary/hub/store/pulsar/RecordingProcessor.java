package io.tributary.hub.store.pulsar;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.RecordProcessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the processors of one group member saw, over every lease: each delivered sequence per shard, the start of each
 * lease, and per shard the highest checkpoint the hub acknowledged and the highest one sent. Each batch is
 * checkpointed after it is recorded. Thread-safe (one {@link Log} shared by the member's processors).
 */
final class RecordingProcessor implements RecordProcessor {
    /** The member's record of everything. */
    static final class Log {
        final Map<String, List<Long>> delivered = new HashMap<>();
        /** Per shard, per lease: the start handed to initialize, and the highest acknowledged checkpoint then. */
        final Map<String, List<long[]>> starts = new HashMap<>();

        final Map<String, Long> acked = new HashMap<>();
        final Map<String, Long> sent = new HashMap<>();
        int refused;

        synchronized TreeSet<Long> distinct(String shard) {
            return new TreeSet<>(delivered.getOrDefault(shard, List.of()));
        }

        synchronized long acked(String shard) {
            return acked.getOrDefault(shard, -1L);
        }

        synchronized List<long[]> starts(String shard) {
            return new ArrayList<>(starts.getOrDefault(shard, List.of()));
        }

        synchronized int deliveries(String shard) {
            return delivered.getOrDefault(shard, List.of()).size();
        }
    }

    private final Log log;
    private String shard;

    RecordingProcessor(Log log) {
        this.log = log;
    }

    @Override
    public void initialize(String shardId, long startSequence) {
        this.shard = shardId;
        synchronized (log) {
            log.starts
                    .computeIfAbsent(shardId, k -> new ArrayList<>())
                    .add(new long[] {startSequence, log.acked(shardId), log.sent.getOrDefault(shardId, -1L)});
        }
    }

    @Override
    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
        long last;
        synchronized (log) {
            List<Long> d = log.delivered.computeIfAbsent(shard, k -> new ArrayList<>());
            records.forEach(r -> d.add(r.sequence()));
            last = records.get(records.size() - 1).sequence();
            log.sent.merge(shard, last, Math::max);
        }
        try {
            checkpointer.checkpoint();
        } catch (RuntimeException e) {
            synchronized (log) {
                log.refused++;
            }
            throw e;
        }
        synchronized (log) {
            log.acked.merge(shard, last, Math::max);
        }
    }

    @Override
    public void leaseLost() {}

    @Override
    public void shardEnded(Checkpointer checkpointer) {
        checkpointer.checkpoint();
    }

    @Override
    public void shutdownRequested(Checkpointer checkpointer) {}
}
