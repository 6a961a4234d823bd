package io.tributary.hub.subscribe;

import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.StartPosition;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One push subscription of a session to a shard. It reads ahead only while the subscriber has credit and the channel
 * is writable, one read at a time, on the worker executor; it sleeps at the end of the shard until the
 * {@link ShardNotifier} wakes it. A subscriber without credit costs nothing but this object, so a slow consumer slows
 * only itself.
 *
 * <p>Protocol: the first frame is an empty {@code ReadResult} whose {@code next_sequence} is the resolved start; then
 * a {@code ReadResult} per read with batches; the last one at the end of a closed shard has {@code shard_end}. Each
 * batch sent costs its {@code record_count} records and its payload size in bytes of credit (bytes are counted only
 * when the subscriber granted byte credit at subscribe time).
 *
 * <p>Thread rules: all state is confined to the session's event loop, except {@link #onAppended} (any thread).
 */
final class Subscription implements ShardNotifier.Listener {
    private static final long UNWRITABLE_RETRY_MS = 5;

    /** Who keeps the subscription: counts what it sends and forgets it when it ends. */
    interface Owner {
        void delivered(long records, long bytes);

        /** One batch, appended at {@code appendTimeMs} (the hub's clock), was just sent to the subscriber. */
        void pushed(long appendTimeMs);

        void ended(Subscription subscription);
    }

    private final long id;
    private final ShardKey key;
    private final Session session;
    private final ShardReads reads;
    private final Executor worker;
    private final ScheduledExecutorService scheduler;
    private final Owner metrics;
    private final int maxFrameBytes;
    private final boolean byteCredit;
    private final AtomicBoolean wakeQueued = new AtomicBoolean();

    private long position = -1;
    private long creditRecords;
    private long creditBytes;
    private boolean reading;
    private boolean again;
    private boolean retryScheduled;
    private boolean finished;

    Subscription(
            long id,
            ShardKey key,
            Session session,
            ShardReads reads,
            Executor worker,
            ScheduledExecutorService scheduler,
            Owner metrics,
            int maxFrameBytes,
            long initialRecords,
            long initialBytes) {
        this.id = id;
        this.key = key;
        this.session = session;
        this.reads = reads;
        this.worker = worker;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.maxFrameBytes = maxFrameBytes;
        this.creditRecords = initialRecords;
        this.byteCredit = initialBytes > 0;
        this.creditBytes = initialBytes;
    }

    ShardKey key() {
        return key;
    }

    /** Resolves the start on the worker, announces it, then starts pumping. Event loop. */
    void start(StartPosition start) {
        reading = true;
        submit(() -> {
            try {
                long seq = reads.resolve(key, start);
                session.execute(() -> started(seq));
            } catch (ShardReads.ReadFailure f) {
                session.execute(
                        () -> fail(Frame.newBuilder().setReadError(f.error(id)).build()));
            }
        });
    }

    private void started(long seq) {
        reading = false;
        if (finished) {
            return;
        }
        position = seq;
        session.send(Frame.newBuilder()
                .setReadResult(ReadResult.newBuilder()
                        .setId(id)
                        .setShardId(key.shardId())
                        .setNextSequence(seq))
                .build());
        pump();
    }

    /** More credit from the subscriber. Event loop. */
    void credit(long records, long bytes) {
        creditRecords += records;
        creditBytes += bytes;
        pump();
    }

    /** Stops for good (unsubscribe, session closed, error). Event loop. */
    void cancel() {
        finished = true;
    }

    @Override
    public void onAppended(ShardKey shard) {
        if (wakeQueued.compareAndSet(false, true)) {
            session.execute(() -> {
                wakeQueued.set(false);
                pump();
            });
        }
    }

    private void pump() {
        if (finished || position < 0) {
            return;
        }
        if (reading) {
            again = true;
            return;
        }
        if (creditRecords <= 0 || (byteCredit && creditBytes <= 0)) {
            return;
        }
        if (!session.isWritable()) {
            retryLater(UNWRITABLE_RETRY_MS);
            return;
        }
        reading = true;
        again = false;
        long from = position;
        ReadLimits limits = ReadLimits.of(creditRecords, byteCredit ? creditBytes : 0, maxFrameBytes);
        submit(() -> {
            try {
                ReadResult r = reads.read(key, from, limits.maxRecords(), limits.maxBytes());
                session.execute(() -> delivered(r));
            } catch (ShardReads.ReadFailure f) {
                session.execute(
                        () -> fail(Frame.newBuilder().setReadError(f.error(id)).build()));
            } catch (RuntimeException e) {
                session.execute(() -> fail(ReadService.error(
                        id, io.tributary.protocol.v1.ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE, e.toString())));
            }
        });
    }

    private void delivered(ReadResult r) {
        reading = false;
        if (finished) {
            return;
        }
        if (r.getBatchesCount() > 0 || r.getShardEnd()) {
            long records = 0;
            long bytes = 0;
            for (io.tributary.protocol.v1.StoredBatch b : r.getBatchesList()) {
                records += b.getRecordCount();
                bytes += b.getPayload().size();
                metrics.pushed(b.getAppendTimeMs());
            }
            creditRecords -= records;
            creditBytes -= bytes;
            position = r.getNextSequence();
            session.send(
                    Frame.newBuilder().setReadResult(r.toBuilder().setId(id)).build());
            metrics.delivered(records, bytes);
        }
        if (r.getShardEnd()) {
            finished = true;
            metrics.ended(this);
            return;
        }
        if (r.getBatchesCount() > 0 && r.getRecordsBehind() > 0 || again) {
            pump();
        } else if (r.getBatchesCount() == 0 && closedInGrace()) {
            retryLater(ShardReads.CLOSE_GRACE.toMillis());
        }
    }

    private boolean closedInGrace() {
        try {
            return !reads.shard(key.stream(), key.shardId()).isOpen();
        } catch (ShardReads.ReadFailure e) {
            return false;
        }
    }

    private void retryLater(long millis) {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        try {
            scheduler.schedule(
                    () -> session.execute(() -> {
                        retryScheduled = false;
                        pump();
                    }),
                    millis,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            retryScheduled = false;
        }
    }

    private void fail(Frame error) {
        reading = false;
        if (finished) {
            return;
        }
        finished = true;
        session.send(error);
        metrics.ended(this);
    }

    private void submit(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            finished = true;
        }
    }
}
