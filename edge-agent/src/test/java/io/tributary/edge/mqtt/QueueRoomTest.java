package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The count of one subscriber's queue (messages of 10 bytes, unless said), its waiters and its stall mark. */
class QueueRoomTest {

    private final QueueRoom room = new QueueRoom(40, 4000);

    @Test
    void aPersistentSessionsStoredMessages_areNotCounted() {
        for (int i = 0; i < 100; i++) {
            assertThat(room.take(true, 10)).isTrue();
        }
        assertThat(room.pressed()).isFalse();
        room.release(true, 10);
        for (int i = 0; i < 40; i++) {
            assertThat(room.take(false, 10)).isTrue();
        }
        assertThat(room.take(false, 10)).isFalse(); // the bound counts live messages only
    }

    @Test
    void aSubscriberWithRoomAlready_isNotMarkedStalled() {
        take(21);
        for (int i = 0; i < 12; i++) {
            room.release(false, 10); // a drain down to 9, a quarter of 40 is 10
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
            room.release(false, 10);
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
            room.take(false, 10);
        }
    }

    @Test
    void bytes_boundTheQueueToo_butALargeMessageGoesThroughAnEmptyOne() {
        QueueRoom bytes = new QueueRoom(40, 1000);
        assertThat(bytes.take(false, 5000)).as("alone, larger than the bound").isTrue();
        assertThat(bytes.take(false, 1)).isFalse();
        assertThat(bytes.pressed()).isTrue();
        bytes.release(false, 5000);
        assertThat(bytes.pressed()).isFalse();

        assertThat(bytes.take(false, 600)).isTrue();
        assertThat(bytes.pressed())
                .as("past half of the bytes, a publisher may wait")
                .isTrue();
        assertThat(bytes.take(false, 300)).isTrue();
        assertThat(bytes.take(false, 200))
                .as("past the bytes, with 2 of 40 messages")
                .isFalse();
        AtomicInteger woken = new AtomicInteger();
        bytes.whenRoom(woken::incrementAndGet);
        bytes.release(false, 600);
        bytes.drained();
        assertThat(woken).as("300 bytes left: above a quarter").hasValue(0);
        bytes.release(false, 300);
        bytes.drained();
        assertThat(woken).hasValue(1);
    }
}
