package io.tributary.hub.client;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoop;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.spi.Backoff;
import io.tributary.hub.client.spi.EpochGrant;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionListener;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Welcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts records into a hub stream, asynchronously (a PutRecords-like client).
 *
 * <p>Records with the same partition key form a <em>lane</em> with its own gap-free sequence, so every batch is a
 * contiguous run the hub can de-duplicate and order. Batches are sent with up to {@code maxInFlightBatches} awaiting
 * acknowledgement; on a lost connection, a retriable refusal or a throttle, unacknowledged batches are sent again in
 * their original order after a jittered exponential backoff. When the hub is not the stream's home region ({@code
 * NOT_HOME}) the session moves to the home's hub and every unacknowledged batch goes there, with no backoff of the
 * producer's own; the hub de-duplicates the resends by record id. The link to the hub — endpoints, failover, redirects,
 * reconnects, keepalive, throttle pauses and the epoch grant — is a {@link HubSession}. A record's future completes
 * once the hub says it is durable, with its shard and sequence. Once the hub fences this instance (another producer
 * with the same id connected), every put fails with a {@link FencedException}.
 *
 * <p>Thread rules: every public method may be called from any thread. Internal state is touched only on one Netty
 * event loop; futures are completed on a separate executor so user callbacks never run on Netty threads.
 */
public final class Producer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Producer.class);

    private final ClientResources resources;
    private final ClientOptions client;
    private final ProducerOptions options;
    private final EventLoop loop;
    private final Executor callbacks;
    /** Paces retries of batches the hub refused for now (retriable Nack); reset by an acknowledgement. */
    private final Backoff retryBackoff;

    private final HubSession session;
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicLong expiredRecords = new AtomicLong();

    // Event-loop state.
    private final Map<String, ProducerLane> lanes = new HashMap<>();
    private final BatchQueue batches = new BatchQueue();
    private long nextBatchId = 1;
    private boolean closed;
    /** The hub's epoch grant for this instance: 0 until the first Welcome, then fixed for the producer's life. */
    private long grantedEpoch;
    /** Set when the hub fenced this instance; every put fails with it from then on. */
    private HubClientException fatal;

    private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();

    private Producer(ClientResources resources, ClientOptions client, ProducerOptions options, Executor callbacks) {
        this.resources = resources;
        this.client = client;
        this.options = options;
        this.loop = resources.group().next();
        this.callbacks = callbacks;
        this.retryBackoff = new Backoff(options.backoffInitial(), options.backoffMax());
        Link link = new Link();
        this.session = HubSession.builder(resources, client, PeerRole.PEER_ROLE_PRODUCER, options.producerId())
                .executor(loop)
                .backoff(options.backoffInitial(), options.backoffMax())
                .epochGrant(link)
                .build(link);
        loop.scheduleAtFixedRate(this::expireOverdue, 1, 1, TimeUnit.SECONDS);
    }

    /** Creates a producer; it connects on first use. Completion callbacks run on the common pool. */
    public static Producer create(ClientResources resources, ClientOptions client, ProducerOptions options) {
        return new Producer(resources, client, options, ForkJoinPool.commonPool());
    }

    /** Puts one record with a raw payload. */
    public CompletableFuture<PutResult> put(String partitionKey, byte[] payload) {
        return put(partitionKey, Record.newBuilder().setPayload(ByteString.copyFrom(payload)));
    }

    /**
     * Puts one record. The producer sets the record id; everything else (device, metric, times, attributes) comes
     * from {@code record}. An unset event time becomes now.
     */
    public CompletableFuture<PutResult> put(String partitionKey, Record.Builder record) {
        return putAll(partitionKey, List.of(record)).get(0);
    }

    /** Puts several records of one partition key; one future per record, in order. */
    public List<CompletableFuture<PutResult>> putAll(String partitionKey, List<Record.Builder> records) {
        List<CompletableFuture<PutResult>> futures = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            futures.add(new CompletableFuture<>());
        }
        if (partitionKey == null || partitionKey.isEmpty()) {
            futures.forEach(f -> f.completeExceptionally(new HubClientException("partition key is empty", false)));
            return futures;
        }
        if (buffered.addAndGet(records.size()) > options.maxBufferedRecords()) {
            buffered.addAndGet(-records.size());
            futures.forEach(f -> f.completeExceptionally(new HubClientException(
                    "producer buffer full (" + options.maxBufferedRecords() + " records unacknowledged)", true)));
            return futures;
        }
        long now = System.currentTimeMillis();
        List<Record.Builder> copies = new ArrayList<>(records.size());
        for (Record.Builder r : records) {
            Record.Builder c = r.clone();
            if (c.getEventTimeMs() == 0) {
                c.setEventTimeMs(now);
            }
            copies.add(c);
        }
        loop.execute(() -> enqueue(partitionKey, copies, futures));
        return futures;
    }

    /** Completes once every record put before this call is acknowledged or has failed. */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        loop.execute(() -> {
            for (ProducerLane lane : lanes.values()) {
                seal(lane);
            }
            flushWaiters.add(f);
            trySend();
            checkFlushed();
        });
        return f.thenApplyAsync(v -> v, callbacks);
    }

    /**
     * Records given up because they were not acknowledged within the delivery timeout (their futures failed). The
     * hub may or may not hold them; the lane goes on with a declared gap.
     */
    public long expiredRecords() {
        return expiredRecords.get();
    }

    /** The hub's epoch grant for this producer instance, 0 before its first connection. */
    public long epoch() {
        return loop.submit(() -> grantedEpoch).syncUninterruptibly().getNow();
    }

    /** Records accepted and not yet acknowledged or failed. */
    public int bufferedRecords() {
        return buffered.get();
    }

    private void enqueue(String key, List<Record.Builder> records, List<CompletableFuture<PutResult>> futures) {
        if (closed || fatal != null) {
            buffered.addAndGet(-futures.size());
            fail(futures, fatal != null ? fatal : new HubClientException("producer is closed", false));
            return;
        }
        ProducerLane lane = lanes.computeIfAbsent(key, k -> new ProducerLane(k, options.producerId(), options));
        for (int i = 0; i < records.size(); i++) {
            if (lane.add(records.get(i), futures.get(i), grantedEpoch)) {
                seal(lane);
            }
        }
        if (!lane.isEmpty() && lane.lingerTimer == null) {
            lane.lingerTimer = loop.schedule(
                    () -> {
                        lane.lingerTimer = null;
                        seal(lane);
                        trySend();
                    },
                    options.linger().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        trySend();
    }

    private void seal(ProducerLane lane) {
        SealedBatch sealed = lane.seal(nextBatchId);
        if (sealed != null) {
            nextBatchId++;
            batches.add(sealed);
        }
    }

    private void trySend() {
        if (closed || fatal != null || !batches.hasToSend()) {
            return;
        }
        session.start(); // connects on first use
        if (!session.isReady()) {
            return; // connected() or resumed() calls again
        }
        for (SealedBatch b = batches.nextToSend(options.maxInFlightBatches());
                b != null;
                b = batches.nextToSend(options.maxInFlightBatches())) {
            session.send(b.frame(grantedEpoch));
        }
    }

    /** Why the last connection attempt failed, while no connection has succeeded since; else null. */
    private volatile String connectionProblem;

    /** The producer's side of its {@link HubSession}; on the producer's event loop. */
    private final class Link implements HubSessionListener, EpochGrant {
        /** Connection attempts that failed since the last connection. */
        private int failedAttempts;

        @Override
        public long held() {
            return grantedEpoch;
        }

        @Override
        public void hold(long grant) {
            grantedEpoch = grant;
        }

        @Override
        public void connected(HubEndpoint endpoint, Welcome welcome) {
            if (failedAttempts > 0) {
                log.info("connected to hub {} after {} failed attempts", endpoint, failedAttempts);
            }
            failedAttempts = 0;
            connectionProblem = null;
            log.info(
                    "producer {} connected to hub {} with epoch grant {}",
                    options.producerId(),
                    endpoint,
                    Long.toHexString(welcome.getGrantedEpoch()));
            trySend();
        }

        @Override
        public void lost(HubEndpoint endpoint, String reason, long retryInMillis) {
            boolean waiting = !batches.isEmpty();
            int unanswered = batches.resendAll();
            if (waiting) {
                log.warn("lost hub {} ({}); resending {} unacknowledged batches", endpoint, reason, unanswered);
            }
        }

        @Override
        public void redirected(HubEndpoint from, HubEndpoint to, String homeRegion, long retryInMillis) {
            // Expected after a failover, and the session logged it: not a loss to warn about.
            int unanswered = batches.resendAll();
            log.debug("moving from hub {} to {}; resending {} unacknowledged batches", from, to, unanswered);
        }

        @Override
        public void attemptFailed(HubEndpoint endpoint, String reason, long retryInMillis) {
            // One WARN per outage, not one per retry: a producer pointed at a wrong port would log for its whole
            // delivery timeout. The retries go to DEBUG; reconnecting logs how many failed, giving up says why.
            connectionProblem = reason;
            if (failedAttempts++ == 0) {
                log.warn("{}; retrying (further attempts logged at DEBUG) until connected or records time out", reason);
            } else {
                log.debug("{}; retrying in {} ms (attempt {})", reason, retryInMillis, failedAttempts);
            }
        }

        @Override
        public void fenced(HubEndpoint endpoint, FencedException e) {
            Producer.this.fenced(e);
        }

        @Override
        public void refused(HubEndpoint endpoint, HubClientException e) {
            log.error("hub {} refused this producer: {}", endpoint, e.getMessage());
            fatal = e;
            failAll(e);
        }

        @Override
        public void resumed() {
            trySend();
        }

        @Override
        public void batchAck(BatchAck ack) {
            onAck(ack);
        }

        @Override
        public void nack(Nack nack) {
            onNack(nack);
        }

        @Override
        public void throttle(Throttle throttle) {
            // The session paused sending until retry_after; the batch goes again, in order, after that.
            SealedBatch b = batches.answered(throttle.getBatchId());
            if (b != null) {
                batches.retry(b);
            }
        }
    }

    private void onAck(BatchAck ack) {
        SealedBatch b = batches.answered(ack.getBatchId());
        if (b == null) {
            return; // an ack for a batch already acknowledged on an earlier connection
        }
        int n = b.futures.size();
        if (ack.getSequenceCount() != n || ack.getShardIndexCount() != n) {
            fail(
                    b,
                    new HubClientException(
                            "hub acknowledged batch " + b.batchId + " with " + ack.getSequenceCount()
                                    + " positions for " + n + " records",
                            false));
        } else {
            PutResult[] results = new PutResult[n];
            for (int i = 0; i < n; i++) {
                // The hub reports the first `duplicates` records of a batch as already stored.
                results[i] =
                        new PutResult(ack.getShards(ack.getShardIndex(i)), ack.getSequence(i), i < ack.getDuplicates());
            }
            List<CompletableFuture<PutResult>> futures = b.futures;
            // One task per batch, not per record: completing a million futures a second one by one would cost
            // more than sending them.
            callbacks.execute(() -> {
                for (int i = 0; i < results.length; i++) {
                    futures.get(i).complete(results[i]);
                }
            });
            buffered.addAndGet(-n);
            retryBackoff.reset();
        }
        trySend();
        checkFlushed();
    }

    private void onNack(Nack nack) {
        SealedBatch b = batches.answered(nack.getBatchId());
        if (b == null) {
            return;
        }
        if (nack.getReason() == NackReason.NACK_REASON_NOT_HOME) {
            // The session moves to the home's hub right after this (redirected): the batch goes there, at once.
            batches.retry(b);
        } else if (nack.getRetriable()) {
            batches.retry(b);
            // One backoff step per pause: the other batches in flight, refused for the same reason (e.g. all
            // NOT_REPLICATED while a replica lags), join this pause instead of each making the next one longer.
            if (session.pausedNanos() == 0) {
                long delay = retryBackoff.nextDelayMillis();
                log.debug(
                        "batch {} refused for now ({} {}); retrying in {} ms",
                        b.batchId,
                        nack.getReason(),
                        nack.getMessage(),
                        delay);
                session.pause(delay); // resumed() sends again
            }
        } else {
            fail(b, new HubClientException("hub refused batch: " + nack.getReason() + " " + nack.getMessage(), false));
            trySend();
        }
        checkFlushed();
    }

    private void expireOverdue() {
        List<SealedBatch> expired = batches.takeCreatedBefore(
                System.nanoTime() - options.deliveryTimeout().toNanos());
        for (SealedBatch b : expired) {
            giveUp(b);
        }
        if (!expired.isEmpty()) {
            trySend();
        }
        checkFlushed();
    }

    /**
     * Gives up a batch past its delivery timeout: its futures fail (the hub may or may not hold it), and every later
     * batch of its lane declares the gap, so the hub takes them although they do not continue what it stored — without
     * that, the lane would be refused as out of sequence until each of its batches timed out in turn.
     */
    private void giveUp(SealedBatch b) {
        int n = b.futures.size();
        String problem = connectionProblem;
        expiredRecords.addAndGet(n);
        log.warn(
                "gave up {} records of lane {} (sequences {}..{}) after {} and {} attempts; the lane goes on past them",
                n,
                b.lane,
                b.firstSequence,
                b.lastSequence,
                options.deliveryTimeout(),
                b.attempts);
        fail(
                b,
                new HubClientException(
                        problem == null
                                ? "not acknowledged within " + options.deliveryTimeout() + " (" + b.attempts
                                        + " attempts); the hub may or may not have stored it"
                                : "not acknowledged within " + options.deliveryTimeout() + ": no hub reachable ("
                                        + problem + ")",
                        true));
        boolean later = batches.declareGapAfter(b.lane, b.lastSequence);
        ProducerLane lane = lanes.get(b.lane);
        if (lane != null && !later) {
            lane.declareGap();
        }
    }

    private void fenced(FencedException e) {
        log.error("producer {} is fenced and stops: {}", options.producerId(), e.getMessage());
        fatal = e;
        session.close();
        failAll(e);
    }

    private void checkFlushed() {
        if (flushWaiters.isEmpty()) {
            return;
        }
        boolean lanesEmpty = lanes.values().stream().allMatch(ProducerLane::isEmpty);
        if (lanesEmpty && batches.isEmpty()) {
            flushWaiters.forEach(f -> f.complete(null));
            flushWaiters.clear();
        }
    }

    private void fail(SealedBatch b, HubClientException e) {
        buffered.addAndGet(-b.futures.size());
        fail(b.futures, e);
    }

    private void fail(List<CompletableFuture<PutResult>> futures, HubClientException e) {
        callbacks.execute(() -> futures.forEach(f -> f.completeExceptionally(e)));
    }

    private void failAll(HubClientException e) {
        for (ProducerLane lane : lanes.values()) {
            seal(lane);
        }
        batches.takeAll().forEach(b -> fail(b, e));
        checkFlushed();
    }

    /** Flushes what is buffered (waiting up to the delivery timeout), then closes the connection. */
    @Override
    public void close() {
        try {
            flush().get(options.deliveryTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("closing producer with unacknowledged records: {}", e.toString());
        }
        loop.submit(() -> {
                    closed = true;
                    failAll(new HubClientException("producer closed", false));
                    session.close();
                })
                .syncUninterruptibly();
    }
}
