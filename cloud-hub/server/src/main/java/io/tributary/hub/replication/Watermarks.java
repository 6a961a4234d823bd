package io.tributary.hub.replication;

import io.tributary.hub.store.ShardKey;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per shard: the highest sequence below which some replica region has confirmed every record durable, and the
 * batches waiting for it (ack level replicated). Thread-safe: acks arrive on the replication links' event loop, waits
 * come from ingest's event loops; each shard's state is guarded by its own monitor, and waiters complete outside it.
 */
final class Watermarks {
    private final Map<ShardKey, Shard> shards = new ConcurrentHashMap<>();

    private static final class Shard {
        long replicated;
        final PriorityQueue<Waiter> waiters = new PriorityQueue<>((a, b) -> Long.compare(a.end, b.end));
    }

    private record Waiter(long end, CompletableFuture<Void> future) {}

    /** A replica confirmed everything below {@code next}. */
    void acked(ShardKey key, long next) {
        Shard s = shards.computeIfAbsent(key, k -> new Shard());
        java.util.List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
        synchronized (s) {
            if (next <= s.replicated) {
                return;
            }
            s.replicated = next;
            while (!s.waiters.isEmpty() && s.waiters.peek().end <= next) {
                done.add(s.waiters.poll().future);
            }
        }
        done.forEach(f -> f.complete(null));
    }

    /** Completes when some replica has confirmed every record below {@code end}. */
    CompletableFuture<Void> await(ShardKey key, long end) {
        Shard s = shards.computeIfAbsent(key, k -> new Shard());
        synchronized (s) {
            if (end <= s.replicated) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            s.waiters.add(new Waiter(end, f));
            // A waiter that timed out is dropped at the next ack past it; bound the queue meanwhile.
            if (s.waiters.size() > 100_000) {
                s.waiters.removeIf(w -> w.future.isDone());
            }
            return f;
        }
    }

    /** What some replica has confirmed of the shard. */
    long replicated(ShardKey key) {
        Shard s = shards.get(key);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.replicated;
        }
    }

    /** Forgets a shard's confirmations (its data was truncated, or this hub stopped being its home). */
    void reset(ShardKey key) {
        shards.remove(key);
    }
}
