package io.tributary.hub.subscribe;

import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GetRecords;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GetRecords} (pull reads) with one {@code ReadResult} or {@code ReadError}. The position is resolved
 * and the shard read on the hub's worker executor; the answer is sent from there.
 *
 * <p>Thread rules: {@link #onFrame} runs on the event loop and only hands off; stateless otherwise.
 */
public final class ReadService implements FrameService {
    private static final Logger log = LoggerFactory.getLogger(ReadService.class);

    private final HubContext hub;
    private final ShardReads reads;

    public ReadService(HubContext hub, ShardReads reads) {
        this.hub = hub;
        this.reads = reads;
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        GetRecords req = frame.getGetRecords();
        try {
            hub.worker().execute(() -> session.send(answer(req)));
        } catch (RejectedExecutionException e) {
            session.send(error(req.getRequestId(), ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE, "hub stopping"));
        }
    }

    private Frame answer(GetRecords req) {
        long id = req.getRequestId();
        ShardKey key;
        try {
            key = new ShardKey(req.getStream(), req.getShardId());
        } catch (IllegalArgumentException e) {
            return error(id, ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST, e.getMessage());
        }
        ReadLimits limits = ReadLimits.of(
                req.getMaxRecords(), req.getMaxBytes(), hub.config().maxFrameBytes());
        try {
            long from = reads.resolve(key, req.getPosition());
            return Frame.newBuilder()
                    .setReadResult(reads.read(key, from, limits.maxRecords(), limits.maxBytes()).toBuilder()
                            .setId(id))
                    .build();
        } catch (ShardReads.ReadFailure f) {
            return Frame.newBuilder().setReadError(f.error(id)).build();
        } catch (RuntimeException e) {
            log.warn("read of {} failed", key, e);
            return error(id, ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE, "read failed: " + e);
        }
    }

    static Frame error(long id, ReadErrorCode code, String message) {
        return Frame.newBuilder()
                .setReadError(ReadError.newBuilder().setId(id).setCode(code).setMessage(String.valueOf(message)))
                .build();
    }
}
