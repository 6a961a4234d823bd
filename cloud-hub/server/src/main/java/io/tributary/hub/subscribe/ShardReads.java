package io.tributary.hub.subscribe;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.StartPosition;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Resolves start positions and reads a shard into {@code ReadResult} messages that carry the stored batches as they
 * are (the payload is wrapped, not copied or re-encoded).
 *
 * <p>A closed shard read to its end answers {@code shard_end} with its children, but only once the shard has been
 * closed for {@link #CLOSE_GRACE}: an append routed to the parent just before the split may still be landing.
 *
 * <p>Thread rules: thread-safe and stateless; every method may block on disk, so call it from a worker thread.
 */
public final class ShardReads {
    /** How long after a close a shard may still receive appends routed before it. */
    public static final Duration CLOSE_GRACE = Duration.ofMillis(500);

    private final StreamRegistry streams;
    private final ShardStore store;
    private final Clock clock;

    public ShardReads(StreamRegistry streams, ShardStore store, Clock clock) {
        this.streams = streams;
        this.store = store;
        this.clock = clock;
    }

    /** A read or resolution that could not be served, as the protocol's error. */
    public static final class ReadFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient ReadError error;

        ReadFailure(ReadErrorCode code, String message, long oldest) {
            this(ReadError.newBuilder()
                    .setCode(code)
                    .setMessage(message)
                    .setOldestSequence(oldest)
                    .build());
        }

        private ReadFailure(ReadError error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }

        /** The shard is unavailable here; when another hub writes it, the error names that hub (readers move there). */
        static ReadFailure unavailable(ShardUnavailableException e) {
            ReadError.Builder error = ReadError.newBuilder()
                    .setCode(ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE)
                    .setMessage(String.valueOf(e.getMessage()));
            if (e instanceof ShardWrittenElsewhereException elsewhere) {
                error.setWriterEndpoint(elsewhere.writerEndpoint());
            }
            return new ReadFailure(error.build());
        }

        public ReadError error(long id) {
            return error.toBuilder().setId(id).build();
        }

        public ReadErrorCode code() {
            return error.getCode();
        }
    }

    /** The stream's definition and the shard's, or UNKNOWN_STREAM / UNKNOWN_SHARD. */
    public ShardDefinition shard(String stream, String shardId) throws ReadFailure {
        Optional<StreamDefinition> def = streams.find(stream);
        if (def.isEmpty()) {
            throw new ReadFailure(ReadErrorCode.READ_ERROR_CODE_UNKNOWN_STREAM, "no stream " + stream, 0);
        }
        return def.get()
                .shard(shardId)
                .orElseThrow(() -> new ReadFailure(
                        ReadErrorCode.READ_ERROR_CODE_UNKNOWN_SHARD, "stream " + stream + " has no " + shardId, 0));
    }

    /** The first sequence a reader starting at {@code position} gets. */
    public long resolve(ShardKey key, StartPosition position) throws ReadFailure {
        shard(key.stream(), key.shardId());
        try {
            ShardInfo info = store.info(key);
            if (info.status() != ShardStatus.ONLINE) {
                // Positions of a shard another hub writes (or that lost its writer) may be stale here, so none is
                // checked against them before the store's refusal of a read, which may name the hub to send readers
                // to. A store that still reads an OFFLINE shard goes on as for an ONLINE one.
                store.read(key, Math.max(0, info.oldestSequence()), 1, 1);
                if (info.status() == ShardStatus.WRITTEN_ELSEWHERE) {
                    throw new ReadFailure(ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE, info.cause(), 0);
                }
            }
            long seq =
                    switch (position.getKindCase()) {
                        case TRIM_HORIZON, KIND_NOT_SET -> info.oldestSequence();
                        case LATEST -> info.nextSequence();
                        case AT_SEQUENCE -> position.getAtSequence();
                        case AFTER_SEQUENCE -> position.getAfterSequence() + 1;
                        case AT_TIMESTAMP_MS -> store.sequenceForTimestamp(key, position.getAtTimestampMs());
                    };
            if (seq < 0 || seq > info.nextSequence()) {
                throw new ReadFailure(
                        ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST,
                        "sequence " + seq + " is beyond the end of " + key + " (" + info.nextSequence() + ")",
                        info.oldestSequence());
            }
            if (seq < info.oldestSequence()) {
                throw new ReadFailure(
                        ReadErrorCode.READ_ERROR_CODE_TRIMMED,
                        "sequence " + seq + " of " + key + " was trimmed; oldest is " + info.oldestSequence(),
                        info.oldestSequence());
            }
            return seq;
        } catch (ShardUnavailableException e) {
            throw ReadFailure.unavailable(e);
        }
    }

    /**
     * Reads from {@code from}: whole batches (the first may start below {@code from}), within the limits, with the
     * lag behind the shard's end and, at the end of a closed shard, {@code shard_end} and the children.
     */
    public ReadResult read(ShardKey key, long from, int maxRecords, int maxBytes) throws ReadFailure {
        ShardDefinition shard = shard(key.stream(), key.shardId());
        io.tributary.hub.store.ReadResult r;
        try {
            r = store.read(key, from, Math.max(1, maxRecords), Math.max(1, maxBytes));
        } catch (TrimmedException e) {
            throw new ReadFailure(ReadErrorCode.READ_ERROR_CODE_TRIMMED, e.getMessage(), e.oldestSequence());
        } catch (ShardUnavailableException e) {
            throw ReadFailure.unavailable(e);
        } catch (IllegalArgumentException e) {
            throw new ReadFailure(ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST, e.getMessage(), 0);
        }
        ReadResult.Builder out = ReadResult.newBuilder().setShardId(key.shardId());
        long last = 0;
        for (StoredBatch b : r.batches()) {
            out.addBatches(io.tributary.protocol.v1.StoredBatch.newBuilder()
                    .setBaseSequence(b.baseSequence())
                    .setRecordCount(b.recordCount())
                    .setCodecValue(b.codec())
                    .setPayload(UnsafeByteOperations.unsafeWrap(b.payload().duplicate()))
                    .setAppendTimeMs(b.appendTimeMs()));
            last = b.appendTimeMs();
        }
        long next = r.nextSequence();
        long behind = Math.max(0, r.highWaterMark() - next);
        out.setNextSequence(next)
                .setRecordsBehind(behind)
                .setMillisBehind(behind > 0 && last > 0 ? Math.max(0, clock.millis() - last) : 0);
        if (behind == 0 && isFinished(shard)) {
            out.setShardEnd(true);
            streams.describe(key.stream()).childrenOf(key.shardId()).forEach(c -> out.addChildShards(c.id()));
        }
        return out.build();
    }

    /** Closed long enough ago that no append routed before the close can still land. */
    public boolean isFinished(ShardDefinition shard) {
        return shard.closedAt()
                .map(at -> !at.plus(CLOSE_GRACE).isAfter(clock.instant()))
                .orElse(false);
    }
}
