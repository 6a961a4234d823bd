package io.tributary.hub;

import com.google.protobuf.ByteString;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardDigest;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds raw {@code Batch} frames and reads a shard or stream back as decoded records. Stateless. */
public final class TestRecords {
    private TestRecords() {}

    /** A record stored at a shard position. */
    record Stored(String shardId, long sequence, Record record) {
        String text() {
            return record.getPayload().toString(StandardCharsets.UTF_8);
        }

        KeyedFeed.Placed placed() {
            return new KeyedFeed.Placed(shardId, sequence, text());
        }
    }

    /**
     * A batch of producer sequences {@code first .. first+count-1} of lane {@code key}, whose payloads are {@code
     * "<key>:<sequence>"}.
     */
    public static Frame batch(
            long batchId, String stream, String agentId, long epoch, String key, long first, int count) {
        return batch(batchId, stream, key, epoch, Codec.CODEC_NONE, records(agentId, epoch, key, first, count), first)
                .build();
    }

    /** Records {@code first .. first+count-1} of lane {@code key}, whose payloads are {@code "<key>:<sequence>"}. */
    static List<Record> records(String agentId, long epoch, String key, long first, int count) {
        List<Record> records = new ArrayList<>();
        for (long s = first; s < first + count; s++) {
            records.add(Record.newBuilder()
                    .setId(RecordId.newBuilder()
                            .setAgentId(agentId)
                            .setAgentEpoch(epoch)
                            .setLane(key)
                            .setSequence(s))
                    .setEventTimeMs(1_700_000_000_000L + s)
                    .setPayload(ByteString.copyFromUtf8(key + ":" + s))
                    .build());
        }
        return records;
    }

    /**
     * A batch of {@code records} encoded with {@code codec}, whose header declares the run {@code first ..
     * first+size-1} of lane {@code key} and {@code epoch} (whatever the records' ids say): a builder, for tests that
     * change the header.
     */
    static Frame.Builder batch(
            long batchId, String stream, String key, long epoch, Codec codec, List<Record> records, long first) {
        BatchPayloads.Encoded enc = BatchPayloads.encode(records, codec);
        int count = records.size();
        return Frame.newBuilder()
                .setBatch(Batch.newBuilder()
                        .setBatchId(batchId)
                        .setStream(stream)
                        .setPartitionKey(key)
                        .setCodec(codec)
                        .setPayload(enc.payload())
                        .setRecordCount(count)
                        .setUncompressedBytes(enc.uncompressedBytes())
                        .setFirstSequence(first)
                        .setLastSequence(first + count - 1)
                        .setLane(key)
                        .setAgentEpoch(epoch)
                        .setFirstEventTimeMs(records.get(0).getEventTimeMs())
                        .setLastEventTimeMs(records.get(count - 1).getEventTimeMs()));
    }

    /** Every record of one shard, in shard order, each with its shard sequence. */
    static List<Stored> readShard(ShardStore store, ShardKey key) {
        List<Stored> out = new ArrayList<>();
        long next = store.info(key).oldestSequence();
        while (true) {
            ReadResult r = store.read(key, next, 10_000, 4 << 20);
            if (r.batches().isEmpty()) {
                return out;
            }
            for (StoredBatch b : r.batches()) {
                List<Record> records = decode(b);
                if (records.size() != b.recordCount()) {
                    throw new AssertionError("batch at " + b.baseSequence() + " says " + b.recordCount()
                            + " records, holds " + records.size());
                }
                for (int i = 0; i < records.size(); i++) {
                    out.add(new Stored(key.shardId(), b.baseSequence() + i, records.get(i)));
                }
            }
            next = r.nextSequence();
        }
    }

    /** Every record of every shard of a stream, shard by shard. */
    static List<Stored> readStream(ShardStore store, StreamDefinition stream) {
        List<Stored> out = new ArrayList<>();
        for (ShardDefinition shard : stream.shards()) {
            out.addAll(readShard(store, new ShardKey(stream.name(), shard.id())));
        }
        return out;
    }

    /**
     * Per shard of {@code stream} on {@code hub}: next sequence and a digest of every stored batch (sequence, times,
     * producer run, payload); two regions holding the same shards byte for byte have equal maps.
     */
    static Map<String, String> shardDigests(Hub hub, String stream) throws Exception {
        StreamDefinition definition = hub.streams().describe(stream);
        Map<String, String> out = new LinkedHashMap<>();
        for (ShardDefinition shard : definition.shards()) {
            out.put(shard.id(), ShardDigest.of(hub.store(), new ShardKey(stream, shard.id())));
        }
        return out;
    }

    private static List<Record> decode(StoredBatch b) {
        try {
            return BatchPayloads.decode(ByteString.copyFrom(b.payloadBytes()), Codec.forNumber(b.codec()), 64 << 20);
        } catch (BatchFormatException e) {
            throw new AssertionError("stored batch at " + b.baseSequence() + " does not decode", e);
        }
    }
}
