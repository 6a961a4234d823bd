package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load of the crash and fail-over tests: records {@code "<key>:<n>"} put round-robin over some keys (n counting
 * per key), a bounded number unacknowledged at a time, and the check at the end that every one was acknowledged and
 * is stored exactly once, in put order per key. Threads: {@link #run} on one feeder thread; the rest from any thread.
 */
public final class KeyedFeed {
    /** A stored record: where it is and its text. */
    public record Placed(String shardId, long sequence, String text) {}

    private final List<String> keys;
    private final int outstanding;
    private final Map<String, PutResult> acked = new ConcurrentHashMap<>();
    private final Map<String, Throwable> failed = new ConcurrentHashMap<>();
    private final AtomicInteger put = new AtomicInteger();

    /** @param outstanding records put but not yet answered, at most: batches in flight at every kill, memory bounded */
    public KeyedFeed(List<String> keys, int outstanding) {
        this.keys = List.copyOf(keys);
        this.outstanding = outstanding;
    }

    /** Acknowledged records by text. */
    public Map<String, PutResult> acked() {
        return acked;
    }

    /** Puts that failed, by text. */
    public Map<String, Throwable> failed() {
        return failed;
    }

    /** Puts records until {@code feeding} turns false. */
    public void run(Producer producer, AtomicBoolean feeding) {
        Semaphore room = new Semaphore(outstanding);
        Map<String, Integer> next = new HashMap<>();
        try {
            for (int i = 0; feeding.get(); i++) {
                if (!room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                String key = keys.get(i % keys.size());
                String text = key + ":" + next.merge(key, 1, Integer::sum);
                put.incrementAndGet();
                producer.put(key, text.getBytes(StandardCharsets.UTF_8)).whenComplete((r, e) -> {
                    if (e == null) {
                        acked.put(text, r);
                    } else {
                        failed.put(text, e);
                    }
                    room.release();
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code more} further records are acknowledged; fails when a put failed. */
    public void awaitMoreAcks(int more, String when) {
        int target = acked.size() + more;
        await(more + " more acknowledgements " + when)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> acked.size() >= target || !failed.isEmpty());
        assertThat(failed).as("puts that failed %s", when).isEmpty();
    }

    /** Waits until every put has its answer (put callbacks are not ordered before a flush's completion). */
    public void awaitAnswered(Duration atMost) {
        await().atMost(atMost).until(() -> acked.size() + failed.size() >= put.get());
    }

    /**
     * Checks that no put failed, every put was acknowledged, and {@code stored} holds each acknowledged record once,
     * in put order per key; with {@code positions}, also that each acknowledgement that named a position named the
     * one where the record is stored. Returns how many records were acknowledged as duplicates.
     */
    public long verify(List<Placed> stored, boolean positions) {
        assertThat(failed).isEmpty();
        assertThat(acked).hasSize(put.get());
        Set<String> seen = new HashSet<>();
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (Placed s : stored) {
            assertThat(seen.add(s.text())).as("%s stored once", s.text()).isTrue();
            String[] parts = s.text().split(":");
            byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            PutResult r = acked.get(s.text());
            if (positions && r != null && r.sequence() >= 0) {
                assertThat(r.shardId() + "@" + r.sequence())
                        .as("position acknowledged for %s", s.text())
                        .isEqualTo(s.shardId() + "@" + s.sequence());
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(acked.keySet());
        for (Map.Entry<String, List<Integer>> e : byKey.entrySet()) {
            List<Integer> expected = new ArrayList<>();
            for (int n = 1; n <= e.getValue().size(); n++) {
                expected.add(n);
            }
            assertThat(e.getValue()).as("order of key %s", e.getKey()).isEqualTo(expected);
        }
        return acked.values().stream().filter(PutResult::duplicate).count();
    }
}
