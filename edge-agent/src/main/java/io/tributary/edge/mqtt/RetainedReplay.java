package io.tributary.edge.mqtt;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The retained messages one connection still has to receive for its new subscriptions. They are not put in the
 * subscriber's bounded queue (a {@code #} subscription over 100,000 retained topics would overflow it and drop all
 * but the first ones); {@link Outbound#drain} takes them one at a time, as the in-flight window and the socket allow,
 * before the queued live messages, so that a live message never arrives before an older retained one.
 *
 * <p>Thread rules: the connection's event loop only.
 */
final class RetainedReplay {

    private record Source(Iterator<LocalMessage> messages, int grantedQos, List<Integer> subscriptionIds) {}

    private final ArrayDeque<Source> sources = new ArrayDeque<>();
    private Outbound.Delivery head;
    private int awaited;

    /** A subscription's retained messages are being looked up: live messages wait until {@link #add} brings them. */
    void expect() {
        awaited++;
    }

    /** True while a lookup {@link #expect}ed has not brought its messages yet. */
    boolean awaited() {
        return awaited > 0;
    }

    /** Adds the retained messages of one new subscription, granted {@code grantedQos} (after its {@link #expect}). */
    void add(List<LocalMessage> messages, int grantedQos, List<Integer> subscriptionIds) {
        awaited--;
        if (!messages.isEmpty()) {
            sources.add(new Source(messages.iterator(), grantedQos, subscriptionIds));
        }
    }

    /** The next retained message to send, or null when none is left. */
    Outbound.Delivery peek() {
        while (head == null && !sources.isEmpty()) {
            Source s = sources.peek();
            if (s.messages().hasNext()) {
                LocalMessage m = s.messages().next();
                head = new Outbound.Delivery(m, Math.min(m.qos(), s.grantedQos()), true, s.subscriptionIds());
            } else {
                sources.poll();
            }
        }
        return head;
    }

    /** The message {@link #peek} returned is on its way. */
    void take() {
        head = null;
    }

    /** Hands every message left to {@code each} (the connection closed) and forgets them. */
    void discard(Consumer<Outbound.Delivery> each) {
        for (Outbound.Delivery d = peek(); d != null; d = peek()) {
            take();
            each.accept(d);
        }
    }
}
