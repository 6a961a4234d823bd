package io.tributary.hub.store.pulsar;

import static org.awaitility.Awaitility.await;

import io.tributary.hub.store.ShardKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The rate limit of takeover tries: nudges by appends and the periodic round. */
class TakeoversTest {
    private static final ShardKey SHARD = new ShardKey("s", "shard-000000");

    private final AtomicInteger tries = new AtomicInteger();
    private final AtomicReference<Takeovers.Outcome> outcome = new AtomicReference<>(Takeovers.Outcome.HELD_ELSEWHERE);
    private final AtomicReference<List<ShardKey>> notOnline = new AtomicReference<>(List.of());

    private Takeovers takeovers(Duration interval) {
        return new Takeovers(interval, notOnline::get, key -> {
            tries.incrementAndGet();
            return outcome.get();
        });
    }

    @Test
    void nudges_withinOneInterval_tryOnce() {
        try (Takeovers t = takeovers(Duration.ofHours(1))) {
            for (int i = 0; i < 50; i++) {
                t.nudge(SHARD);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() == 1);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> tries.get() == 1);
        }
    }

    @Test
    void shardWrittenElsewhere_isTriedEveryRound_untilItIsOnline() {
        notOnline.set(List.of(SHARD));
        try (Takeovers t = takeovers(Duration.ofMillis(50))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() >= 3);
            outcome.set(Takeovers.Outcome.TAKEN);
            notOnline.set(List.of());
            int after = tries.get();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> tries.get() <= after + 1);
        }
    }

    @Test
    void failedShard_backsOff_butAFreshNudgeAfterSuccessTriesAtOnce() {
        notOnline.set(List.of(SHARD));
        outcome.set(Takeovers.Outcome.FAILED);
        try (Takeovers t = takeovers(Duration.ofMillis(100))) {
            // Tries at about 0.1, 0.3, 0.7, 1.5 s: doubling waits, so far fewer than one per round.
            await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() >= 3);
            int seen = tries.get();
            await().during(Duration.ofMillis(350)).atMost(Duration.ofSeconds(5)).until(() -> tries.get() <= seen + 1);
            t.forget(SHARD);
            notOnline.set(List.of());
            int before = tries.get();
            t.nudge(SHARD);
            await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() == before + 1);
        }
    }
}
