package io.tributary.hub.ingest;

import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import java.util.List;
import java.util.function.Consumer;

/**
 * The rare path where a batch partly overlaps what its lane already stored — a sender that re-batched after a crash
 * (for example an edge agent that resends from its own acknowledged watermark with different batch boundaries). The
 * stored prefix is acknowledged as duplicates and only the rest is appended, re-encoded with the batch's codec. This
 * and {@link BatchValidator} are the only places the hub decodes a batch.
 *
 * <p>Thread rules: decoding runs on the hub's worker executor; answers go back to the session's event loop.
 */
final class OverlapResolver {
    private final HubContext hub;

    OverlapResolver(HubContext hub) {
        this.hub = hub;
    }

    /** Appends the part of {@code b} past the lane's highest stored sequence, then answers the sender. */
    void resolve(Session session, Batch b, ShardKey key, long start, Consumer<Throwable> onFailure) {
        ProducerKey producer = new ProducerKey(session.agentId(), b.getLane(), b.getAgentEpoch());
        hub.store()
                .lookupProducer(key, producer, b.getFirstSequence(), b.getLastSequence())
                .thenAcceptAsync(
                        lookup -> {
                            int skip = (int) Math.min(
                                    b.getRecordCount(),
                                    Math.max(0, lookup.highestStoredSeq() - b.getFirstSequence() + 1));
                            if (skip == b.getRecordCount()) {
                                session.execute(() -> ack(session, b, key, skip, -1, start));
                                return;
                            }
                            List<Record> rest;
                            try {
                                rest = remainder(b, skip);
                            } catch (BatchFormatException e) {
                                session.execute(() -> BatchIngest.nack(
                                        hub.metrics(),
                                        session,
                                        b,
                                        NackReason.NACK_REASON_BAD_REQUEST,
                                        e.getMessage(),
                                        false));
                                return;
                            }
                            BatchPayloads.Encoded enc = BatchPayloads.encode(rest, b.getCodec());
                            BatchToAppend append = new BatchToAppend(
                                    enc.payload().asReadOnlyByteBuffer(),
                                    b.getCodecValue(),
                                    rest.size(),
                                    rest.get(0).getEventTimeMs(),
                                    rest.get(rest.size() - 1).getEventTimeMs(),
                                    producer,
                                    b.getFirstSequence() + skip,
                                    b.getLastSequence());
                            hub.store()
                                    .append(key, append)
                                    .whenComplete((AppendResult r, Throwable e) -> session.execute(() -> {
                                        if (e != null) {
                                            onFailure.accept(BatchIngest.unwrap(e));
                                        } else {
                                            ack(session, b, key, skip, r.duplicate() ? -1 : r.baseSequence(), start);
                                        }
                                    }));
                        },
                        hub.worker())
                .exceptionally(e -> {
                    session.execute(() -> onFailure.accept(BatchIngest.unwrap(e)));
                    return null;
                });
    }

    private List<Record> remainder(Batch b, int skip) throws BatchFormatException {
        List<Record> records =
                BatchPayloads.decode(b.getPayload(), b.getCodec(), hub.config().ingestMaxUncompressedBytes());
        if (records.size() != b.getRecordCount()) {
            throw new BatchFormatException(
                    "batch says " + b.getRecordCount() + " records, payload holds " + records.size());
        }
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).getId().getSequence() != b.getFirstSequence() + i) {
                throw new BatchFormatException("record " + i + " has sequence "
                        + records.get(i).getId().getSequence() + ", expected " + (b.getFirstSequence() + i));
            }
        }
        return records.subList(skip, records.size());
    }

    private void ack(Session session, Batch b, ShardKey key, int skip, long base, long start) {
        BatchAck.Builder ack = BatchAck.newBuilder()
                .setBatchId(b.getBatchId())
                .setDurableWatermark(b.getLastSequence())
                .addShards(key.shardId())
                .setDuplicates(skip);
        for (int i = 0; i < b.getRecordCount(); i++) {
            ack.addShardIndex(0);
            ack.addSequence(i < skip || base < 0 ? -1 : base + i - skip);
        }
        hub.metrics().acked(b.getRecordCount(), b.getPayload().size(), skip, start);
        BatchIngest.traceStored(session, b, ack);
        session.send(Frame.newBuilder().setBatchAck(ack).build());
    }
}
