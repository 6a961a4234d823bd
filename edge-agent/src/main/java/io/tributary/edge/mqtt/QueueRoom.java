package io.tributary.edge.mqtt;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How full one subscriber's queue is ({@code mqtt.subscriber-queue}), and the publishers paused until it has room
 * ({@link SubscriberWait}): past half full an offer asks its publisher to wait; at a quarter the waiters are woken;
 * a subscriber that made no room within {@code mqtt.subscriber-wait} is {@linkplain #markStalled() stalled} and not
 * waited for until it is down to a quarter again.
 *
 * <p>Thread-safe: publishers count in and ask from any thread, the subscriber's event loop counts out and wakes.
 */
final class QueueRoom {

    private final int limit;
    private final AtomicInteger waiting = new AtomicInteger(); // offered, not yet sent or dropped
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>(); // paused publishers
    private final AtomicBoolean stalled = new AtomicBoolean();

    QueueRoom(int limit) {
        this.limit = limit;
    }

    /**
     * Counts one message in; false (not counted) when the queue is full. A persistent session's stored message is
     * bounded by its session queue, not here, and is not counted: a reconnecting session's backlog must not make
     * publishers wait for it or mark it stalled.
     */
    boolean take(boolean stored) {
        if (stored) {
            return true;
        }
        if (waiting.incrementAndGet() > limit) {
            waiting.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Counts one message out: sent or dropped ({@code stored}: one {@link #take} did not count). */
    void release(boolean stored) {
        if (!stored) {
            waiting.decrementAndGet();
        }
    }

    /** Past half full: send without delay, and a publisher may be asked to wait. */
    boolean pressed() {
        return waiting.get() > limit / 2;
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
        if (waiting.get() <= limit / 4) {
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
        if (waiting.get() <= limit / 4) {
            stalled.set(false); // it made room meanwhile (a drain that looked before the mark could not clear it)
            return false;
        }
        return true;
    }

    /** After a drain: down to a quarter, the subscriber caught up and its waiters are woken. */
    void drained() {
        if (waiting.get() > limit / 4) {
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
