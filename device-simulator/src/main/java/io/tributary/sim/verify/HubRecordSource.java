package io.tributary.sim.verify;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.sim.payload.MessageIdentity;
import io.tributary.sim.payload.ParseResult;
import io.tributary.sim.payload.PayloadCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A {@link RecordSource} that reads a whole stream back from a hub with one {@link ShardReader} per shard, from the
 * trim horizon: it starts with the shards that have no parent and opens a child once every parent of it has ended
 * (consumers finish a parent before its children, so per-device order holds through splits and merges). Each record's
 * payload is parsed with {@link PayloadCodec#parse}; the observe time is taken when the reader hands the record over.
 *
 * <p>Records sent before {@code notBeforeMicros} (an earlier run into the same stream) are skipped and counted in
 * {@link #older()}; payloads without a simulator identity are counted in {@link #unparseable()}.
 *
 * <p>Threads: one reader thread per shard ({@code hub-verify-<shard>}) feeds a queue; {@link #poll} from one thread;
 * the counters and {@link #close} from any thread.
 */
public final class HubRecordSource implements RecordSource {

    private static final int MAX_BATCH = 100_000;
    private static final Duration READER_POLL = Duration.ofMillis(200);

    private final ClientResources resources;
    private final ClientOptions client;
    private final String stream;
    private final Clock clock;
    private final long notBeforeMicros;
    private final LinkedBlockingQueue<ObservedRecord> queue = new LinkedBlockingQueue<>();
    private final Map<String, Thread> readers = new ConcurrentHashMap<>();
    private final Set<String> ended = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final LongAdder unparseable = new LongAdder();
    private final LongAdder older = new LongAdder();
    private final LongAdder read = new LongAdder();
    private volatile boolean closed;

    private HubRecordSource(
            ClientResources resources, ClientOptions client, String stream, Clock clock, long notBeforeMicros) {
        this.resources = resources;
        this.client = client;
        this.stream = stream;
        this.clock = clock;
        this.notBeforeMicros = notBeforeMicros;
    }

    /**
     * Starts reading {@code stream}: describes it (the stream must exist) and opens a reader per root shard.
     *
     * @param resources I/O threads; the caller closes them after this source
     * @param notBeforeMicros records whose payload says they were sent earlier are skipped (0 keeps everything)
     * @throws io.tributary.hub.client.core.HubClientException when the hub cannot be reached or has no such stream
     */
    public static HubRecordSource open(
            ClientResources resources, ClientOptions client, String stream, Clock clock, long notBeforeMicros) {
        HubRecordSource source = new HubRecordSource(resources, client, stream, clock, notBeforeMicros);
        StreamDescription description = source.describe();
        Set<String> known = new HashSet<>();
        description.getShardsList().forEach(s -> known.add(s.getShardId()));
        for (ShardDescription shard : description.getShardsList()) {
            if (shard.getParentShardsList().stream().noneMatch(known::contains)) {
                source.startReader(shard.getShardId());
            }
        }
        return source;
    }

    private StreamDescription describe() {
        try (AdminClient admin = AdminClient.connect(resources, client)) {
            return admin.describeStream(stream);
        }
    }

    private synchronized void startReader(String shardId) {
        if (closed || readers.containsKey(shardId)) {
            return;
        }
        Thread t = new Thread(() -> read(shardId), "hub-verify-" + shardId);
        t.setDaemon(true);
        readers.put(shardId, t);
        t.start();
    }

    private void read(String shardId) {
        ShardReaderOptions options = ShardReaderOptions.of(stream, shardId, ReadPosition.trimHorizon())
                .withCredit(10_000, 16L << 20);
        try (ShardReader reader = ShardReader.open(resources, client, options)) {
            while (!closed && !reader.shardEnded()) {
                List<ConsumerRecord> records = reader.poll(READER_POLL);
                if (records.isEmpty()) {
                    continue;
                }
                long now = micros(clock.instant());
                for (ConsumerRecord r : records) {
                    offer(r, now);
                }
            }
            if (reader.shardEnded()) {
                ended.add(shardId);
                openChildren(reader.childShards());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    private void offer(ConsumerRecord r, long nowMicros) {
        read.increment();
        ParseResult parsed = PayloadCodec.parse(r.record().getPayload().toByteArray());
        if (parsed.identity().isEmpty()) {
            unparseable.increment();
            return;
        }
        MessageIdentity id = parsed.identity().get();
        if (id.sendTimeMicros() < notBeforeMicros) {
            older.increment();
            return;
        }
        queue.add(new ObservedRecord(id.deviceId(), id.seq(), id.sendTimeMicros(), nowMicros));
    }

    /** Opens each child whose parents have all ended; a merge child waits for its second parent. */
    private void openChildren(List<String> children) {
        if (children.isEmpty() || closed) {
            return;
        }
        StreamDescription description = describe();
        for (String child : children) {
            for (ShardDescription shard : description.getShardsList()) {
                if (shard.getShardId().equals(child) && ended.containsAll(shard.getParentShardsList())) {
                    startReader(child);
                }
            }
        }
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** Payloads without a simulator identity. */
    public long unparseable() {
        return unparseable.sum();
    }

    /** Records of earlier runs (sent before {@code notBeforeMicros}), skipped. */
    public long older() {
        return older.sum();
    }

    /** Every record read from the hub so far. */
    public long recordsRead() {
        return read.sum();
    }

    /** Shards being read or read to their end. */
    public Set<String> shards() {
        return Set.copyOf(readers.keySet());
    }

    @Override
    public int poll(Duration timeout, Consumer<ObservedRecord> sink) throws Exception {
        Exception f = failure.get();
        if (f != null) {
            throw f;
        }
        ObservedRecord first = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
            return 0;
        }
        sink.accept(first);
        List<ObservedRecord> rest = new ArrayList<>();
        queue.drainTo(rest, MAX_BATCH - 1);
        rest.forEach(sink);
        return 1 + rest.size();
    }

    /** Stops the reader threads (each within its poll interval) and waits for them. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            for (Thread t : readers.values()) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
