package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The count of one subscriber's queue, its waiters and its stall mark. */
class QueueRoomTest {

    private final QueueRoom room = new QueueRoom(40);

    @Test
    void aPersistentSessionsStoredMessages_areNotCounted() {
        for (int i = 0; i < 100; i++) {
            assertThat(room.take(true)).isTrue();
        }
        assertThat(room.pressed()).isFalse();
        room.release(true);
        for (int i = 0; i < 40; i++) {
            assertThat(room.take(false)).isTrue();
        }
        assertThat(room.take(false)).isFalse(); // the bound counts live messages only
    }

    @Test
    void aSubscriberWithRoomAlready_isNotMarkedStalled() {
        take(21);
        for (int i = 0; i < 12; i++) {
            room.release(false); // a drain down to 9, a quarter of 40 is 10
        }

        assertThat(room.markStalled()).isFalse();
        take(12);
        assertThat(room.publisherShouldWait()).isTrue(); // waited for, not stalled
    }

    @Test
    void stalled_untilItIsDownToAQuarter() {
        take(30);
        assertThat(room.markStalled()).isTrue();
        assertThat(room.markStalled()).isFalse(); // once
        assertThat(room.publisherShouldWait()).isFalse();

        for (int i = 0; i < 20; i++) {
            room.release(false);
        }
        room.drained();
        take(11);

        assertThat(room.publisherShouldWait()).isTrue();
    }

    @Test
    void aWaiterAddedAfterTheDrain_isWokenAtOnce() {
        AtomicInteger woken = new AtomicInteger();
        take(5);

        room.whenRoom(woken::incrementAndGet);

        assertThat(woken).hasValue(1);
    }

    private void take(int n) {
        for (int i = 0; i < n; i++) {
            room.take(false);
        }
    }
}
