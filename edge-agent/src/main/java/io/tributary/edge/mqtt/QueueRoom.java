package io.tributary.edge.mqtt;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How full one subscriber's queue is, in messages ({@code mqtt.subscriber-queue}) and in payload bytes ({@code
 * mqtt.subscriber-queue-bytes}; a message larger than that still goes through an otherwise empty queue), and the
 * publishers paused until it has room ({@link SubscriberWait}): past half full by either measure an offer asks its
 * publisher to wait; at a quarter by both the waiters are woken;
 * a subscriber that made no room within {@code mqtt.subscriber-wait} is {@linkplain #markStalled() stalled} and not
 * waited for until it is down to a quarter again.
 *
 * <p>Thread-safe: publishers count in and ask from any thread, the subscriber's event loop counts out and wakes.
 */
final class QueueRoom {

    private final int limit;
    private final long byteLimit;
    private final AtomicInteger waiting = new AtomicInteger(); // offered, not yet sent or dropped
    private final AtomicLong bytes = new AtomicLong(); // their payload bytes
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>(); // paused publishers
    private final AtomicBoolean stalled = new AtomicBoolean();

    QueueRoom(int limit, long byteLimit) {
        this.limit = limit;
        this.byteLimit = byteLimit;
    }

    /**
     * Counts one message in; false (not counted) when the queue is full. A persistent session's stored message is
     * bounded by its session queue, not here, and is not counted: a reconnecting session's backlog must not make
     * publishers wait for it or mark it stalled.
     */
    boolean take(boolean stored, int size) {
        if (stored) {
            return true;
        }
        if (waiting.incrementAndGet() > limit) {
            waiting.decrementAndGet();
            return false;
        }
        long now = bytes.addAndGet(size);
        if (now > byteLimit && now != size) {
            bytes.addAndGet(-size);
            waiting.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Counts one message out: sent or dropped ({@code stored}: one {@link #take} did not count). */
    void release(boolean stored, int size) {
        if (!stored) {
            waiting.decrementAndGet();
            bytes.addAndGet(-size);
        }
    }

    /** Past half full: send without delay, and a publisher may be asked to wait. */
    boolean pressed() {
        return waiting.get() > limit / 2 || bytes.get() > byteLimit / 2;
    }

    /** Down to a quarter by both measures: room for the paused publishers. */
    private boolean roomy() {
        return waiting.get() <= limit / 4 && bytes.get() <= byteLimit / 4;
    }

    /** Whether a publisher should wait now: pressed, and not stalled. */
    boolean publisherShouldWait() {
        return !stalled.get() && pressed();
    }

    /**
     * Runs {@code wake} once the queue is down to a quarter (at once when it already is: the drain may have looked
     * before the waiter was added) or the subscriber is gone ({@link #wakeAll}).
     */
    void whenRoom(Runnable wake) {
        waiters.add(wake);
        if (roomy()) {
            wakeAll();
        }
    }

    /**
     * A paused publisher waited in vain: publishers stop waiting for this subscriber until it catches up.
     *
     * @return true when this call marked it (false: already stalled)
     */
    boolean markStalled() {
        if (!stalled.compareAndSet(false, true)) {
            return false; // another publisher's timeout marked it: one WARN
        }
        if (roomy()) {
            stalled.set(false); // it made room meanwhile (a drain that looked before the mark could not clear it)
            return false;
        }
        return true;
    }

    /** After a drain: down to a quarter, the subscriber caught up and its waiters are woken. */
    void drained() {
        if (!roomy()) {
            return;
        }
        if (stalled.get()) {
            stalled.set(false);
        }
        if (!waiters.isEmpty()) {
            wakeAll();
        }
    }

    /** Wakes every paused publisher (also when the subscriber's connection closed). */
    void wakeAll() {
        for (Runnable wake = waiters.poll(); wake != null; wake = waiters.poll()) {
            wake.run();
        }
    }
}
