package io.tributary.hub.client;

import io.netty.channel.EventLoop;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.spi.Backoff;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionListener;
import io.tributary.protocol.batch.BatchFormatException;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Credit;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StoredBatch;
import io.tributary.protocol.v1.Subscribe;
import io.tributary.protocol.v1.Welcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one shard in order over a push subscription: the hub pushes up to {@code creditRecords} ahead, and each
 * {@link #poll} returns credit for what it consumed, so memory stays bounded and a slow reader slows only itself.
 * On a lost connection the reader reconnects (its {@link HubSession}: jittered backoff, failover down the endpoint list,
 * back to the preferred endpoint after a loss) and resumes at the first
 * record it has not returned yet; records below the requested position inside the first batch are skipped, so
 * {@link #poll} returns every record from the start exactly once and in sequence order.
 *
 * <p>When the position was trimmed by retention, the reader continues at the oldest retained record and counts
 * {@link #trimmedRestarts()}. At the end of a closed shard, {@link #shardEnded()} turns true and {@link
 * #childShards()} names the shards to read next.
 *
 * <p>A stored batch that does not decode (damaged on the hub's disk) is logged at ERROR with its stream, shard and
 * sequences; then {@link #poll} fails with a {@link HubClientException} naming them, after returning the records
 * before it — or, with {@link ShardReaderOptions#skipCorrupt()}, the reader skips the batch's records and counts them
 * ({@link #skippedCorruptBatches()}, {@link #skippedCorruptRecords()}).
 *
 * <p>Thread rules: {@link #poll} from one thread at a time; other methods from any thread. Connection state lives on
 * one Netty event loop; decoding happens on the polling thread.
 */
public final class ShardReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardReader.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final int MAX_DECODED_BYTES = 64 << 20;

    private final ShardReaderOptions options;
    private final EventLoop loop;
    /** Paces new subscriptions while the hub says the shard is unavailable; reset by a read result. */
    private final Backoff resubscribeBackoff;

    private final HubSession session;
    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();

    // Poll-thread state (volatile where the event loop reads it).
    private volatile long polledNext;
    private volatile boolean ended;
    private volatile List<String> children = List.of();

    // Published by the event loop.
    private volatile long currentSubscription;
    private volatile long recordsBehind;
    private volatile long millisBehind;
    private volatile HubClientException failure;
    private final AtomicLong trimmedRestarts = new AtomicLong();
    private final AtomicLong skippedCorruptBatches = new AtomicLong();
    private final AtomicLong skippedCorruptRecords = new AtomicLong();

    // Event-loop state.
    private long receivedNext = -1;
    private long resumeAt = -1;

    private record Chunk(long subscription, List<StoredBatch> batches, boolean shardEnd, List<String> children) {}

    private ShardReader(ClientResources resources, ClientOptions client, ShardReaderOptions options) {
        this.options = options;
        this.loop = resources.group().next();
        this.resubscribeBackoff = new Backoff(options.backoffInitial(), options.backoffMax());
        this.session = HubSession.builder(
                        resources,
                        client,
                        PeerRole.PEER_ROLE_CONSUMER,
                        "reader-" + options.stream() + "-" + options.shardId())
                .executor(loop)
                .backoff(options.backoffInitial(), options.backoffMax())
                .build(new Link());
        this.polledNext = options.start().firstSequence();
    }

    /** Opens a reader; it connects and subscribes in the background (see {@link #poll}). */
    public static ShardReader open(ClientResources resources, ClientOptions client, ShardReaderOptions options) {
        ShardReader r = new ShardReader(resources, client, options);
        r.session.start();
        return r;
    }

    /**
     * Waits up to {@code timeout} for records and returns the next ones in sequence order (an empty list on timeout or
     * at the end of a closed shard).
     *
     * @throws HubClientException when the shard or stream does not exist or the hub refused the subscription
     */
    public List<ConsumerRecord> poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord> out = new ArrayList<>();
        while (out.isEmpty() && !ended) {
            HubClientException f = failure;
            if (f != null) {
                throw f;
            }
            long wait = deadline - System.nanoTime();
            Chunk c = wait > 0 ? queue.poll(Math.min(wait, 100_000_000L), TimeUnit.NANOSECONDS) : queue.poll();
            if (c == null) {
                if (wait <= 0) {
                    break;
                }
                continue;
            }
            consume(c, out);
        }
        return out;
    }

    private void consume(Chunk c, List<ConsumerRecord> out) {
        long records = 0;
        long bytes = 0;
        long next = polledNext;
        for (StoredBatch b : c.batches()) {
            records += b.getRecordCount();
            bytes += b.getPayload().size();
            List<Record> decoded;
            try {
                decoded = BatchPayloads.decode(b.getPayload(), b.getCodec(), MAX_DECODED_BYTES);
            } catch (BatchFormatException e) {
                String where =
                        "stream " + options.stream() + " shard " + options.shardId() + ": stored batch at sequence "
                                + b.getBaseSequence() + ".." + (b.getBaseSequence() + b.getRecordCount() - 1) + " ("
                                + b.getRecordCount() + " records) does not decode: " + e.getMessage();
                if (!options.skipCorrupt()) {
                    log.error("{}; stopping (skip it knowingly with skipCorrupt / --skip-corrupt)", where);
                    failure = new HubClientException(where, false, e);
                    polledNext = next;
                    return;
                }
                log.error("{}; skipping its records (skipCorrupt)", where);
                skippedCorruptBatches.incrementAndGet();
                skippedCorruptRecords.addAndGet(b.getRecordCount());
                next = Math.max(next, b.getBaseSequence() + b.getRecordCount());
                continue;
            }
            for (int i = 0; i < decoded.size(); i++) {
                long seq = b.getBaseSequence() + i;
                if (seq < next) {
                    continue;
                }
                Record r = decoded.get(i);
                out.add(new ConsumerRecord(
                        options.shardId(), seq, ConsumerRecord.partitionKeyOf(r), b.getAppendTimeMs(), r));
                next = seq + 1;
            }
        }
        polledNext = next;
        if (records > 0) {
            long rec = records;
            long by = bytes;
            loop.execute(() -> {
                if (c.subscription() == currentSubscription) {
                    session.send(Frame.newBuilder()
                            .setCredit(Credit.newBuilder()
                                    .setSubscriptionId(c.subscription())
                                    .setRecords((int) Math.min(Integer.MAX_VALUE, rec))
                                    .setBytes(options.creditBytes() > 0 ? by : 0))
                            .build());
                }
            });
        }
        if (c.shardEnd()) {
            children = c.children();
            ended = true;
        }
    }

    /** True once every record of a closed shard was returned by {@link #poll}. */
    public boolean shardEnded() {
        return ended;
    }

    /** The children of the closed shard (read them next); empty until {@link #shardEnded()}. */
    public List<String> childShards() {
        return children;
    }

    /** The sequence the next polled record will have at least; -1 before the first record when the hub decides. */
    public long position() {
        return polledNext;
    }

    public String shardId() {
        return options.shardId();
    }

    /** Records between what the hub last pushed and the shard's end. */
    public long recordsBehind() {
        return recordsBehind;
    }

    /** Age of the newest pushed record when behind; 0 when caught up. */
    public long millisBehind() {
        return millisBehind;
    }

    /** How often the position had been trimmed away and the reader jumped to the oldest retained record. */
    public long trimmedRestarts() {
        return trimmedRestarts.get();
    }

    /** Stored batches that did not decode and were skipped ({@link ShardReaderOptions#skipCorrupt()}). */
    public long skippedCorruptBatches() {
        return skippedCorruptBatches.get();
    }

    /** Records of the skipped batches: readable records this reader did not return. */
    public long skippedCorruptRecords() {
        return skippedCorruptRecords.get();
    }

    /** The reader's side of its {@link HubSession}; on the reader's event loop. */
    private final class Link implements HubSessionListener {
        @Override
        public void connected(HubEndpoint endpoint, Welcome welcome) {
            subscribe();
        }

        @Override
        public void lost(HubEndpoint endpoint, String reason, long retryInMillis) {
            log.debug("reader of {} lost hub {}: {}", options.shardId(), endpoint, reason);
        }

        @Override
        public void refused(HubEndpoint endpoint, HubClientException e) {
            log.error("hub {} refused the reader of {}: {}", endpoint, options.shardId(), e.getMessage());
            failure = e;
        }

        @Override
        public void readResult(ReadResult r) {
            if (r.getId() == currentSubscription) {
                onReadResult(r);
            }
        }

        @Override
        public void readError(ReadError e) {
            if (e.getId() == currentSubscription) {
                onReadError(e);
            }
        }
    }

    private void subscribe() {
        queue.clear();
        long id = IDS.incrementAndGet();
        currentSubscription = id;
        ReadPosition at = options.start();
        if (resumeAt >= 0) {
            at = ReadPosition.atSequence(resumeAt);
            resumeAt = -1;
        } else if (polledNext >= 0) {
            at = ReadPosition.atSequence(polledNext);
        } else if (receivedNext >= 0) {
            at = ReadPosition.atSequence(receivedNext);
        }
        Subscribe.Builder s = Subscribe.newBuilder()
                .setSubscriptionId(id)
                .setStream(options.stream())
                .setShardId(options.shardId())
                .setStart(at.toProto())
                .setInitialCreditRecords(options.creditRecords())
                .setInitialCreditBytes(options.creditBytes());
        options.group().ifPresent(g -> s.setConsumerGroup(g).setLeaseToken(options.leaseToken()));
        session.send(Frame.newBuilder().setSubscribe(s).build());
    }

    private void onReadResult(ReadResult r) {
        resubscribeBackoff.reset();
        receivedNext = r.getNextSequence();
        recordsBehind = r.getRecordsBehind();
        millisBehind = r.getMillisBehind();
        if (r.getBatchesCount() > 0 || r.getShardEnd()) {
            queue.add(new Chunk(currentSubscription, r.getBatchesList(), r.getShardEnd(), r.getChildShardsList()));
        }
    }

    private void onReadError(ReadError e) {
        if (e.getCode() == ReadErrorCode.READ_ERROR_CODE_TRIMMED) {
            log.warn("{} of {}; continuing at {}", e.getMessage(), options.shardId(), e.getOldestSequence());
            trimmedRestarts.incrementAndGet();
            resumeAt = e.getOldestSequence();
            subscribe();
        } else if (e.getCode() == ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE) {
            long generation = session.generation();
            loop.schedule(
                    () -> {
                        if (session.isConnected() && session.generation() == generation) {
                            subscribe(); // else the new connection subscribed already
                        }
                    },
                    resubscribeBackoff.nextDelayMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            failure = new HubClientException(e.getCode() + ": " + e.getMessage(), false);
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
