package io.tributary.edge.mqtt.pubsub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Every subscription of every session, as a tree of topic levels: a publish walks only the branches its topic can
 * match (its own levels, {@code +} and {@code #}), so the cost of a match grows with the topic's depth and the
 * matching subscriptions, not with the number of filters.
 *
 * <p>Overlapping subscriptions of one subscriber give one {@link Matched} with the highest QoS and every Subscription
 * Identifier (MQTT 5 §3.3.4). No Local subscriptions skip the publisher. A shared subscription
 * ({@code $share/<group>/<filter>}) delivers each message to one member of its group, round robin, preferring members
 * that are {@code available}.
 *
 * <p>Threads: {@link #match} is lock-free and may run on any thread at once; changes are serialised by the
 * index's monitor. A match running during a change sees the subscription either before or after it.
 *
 * @param <S> the subscriber (a session), compared by {@code equals}
 */
public final class SubscriptionIndex<S> {

    /** What one subscriber gets for one publish. */
    public static final class Matched {
        private int qos = -1;
        private boolean retainAsPublished;
        private final List<Integer> subscriptionIds = new ArrayList<>(1);

        /** Highest granted QoS of the matching subscriptions (still to be lowered to the publish's QoS). */
        public int qos() {
            return qos;
        }

        /** Whether any matching subscription asked for Retain As Published. */
        public boolean retainAsPublished() {
            return retainAsPublished;
        }

        /** Subscription Identifiers of the matching subscriptions that have one. */
        public List<Integer> subscriptionIds() {
            return subscriptionIds;
        }

        void add(Subscription s) {
            qos = Math.max(qos, s.qos());
            retainAsPublished |= s.retainAsPublished();
            if (s.subscriptionId() != 0) {
                subscriptionIds.add(s.subscriptionId());
            }
        }
    }

    private static final class Node<S> {
        final ConcurrentHashMap<String, Node<S>> children = new ConcurrentHashMap<>();
        final ConcurrentHashMap<S, Subscription> subscribers = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Group<S>> groups = new ConcurrentHashMap<>();

        boolean isEmpty() {
            return children.isEmpty() && subscribers.isEmpty() && groups.isEmpty();
        }
    }

    private record Member<S>(S subscriber, Subscription subscription) {}

    private static final class Group<S> {
        // replaced whole (under the index's monitor), never changed in place: pick() reads one stable snapshot
        volatile List<Member<S>> members = List.of();
        final AtomicInteger next = new AtomicInteger();

        /** Puts or replaces the subscriber's membership; true when it replaced one. */
        boolean put(S subscriber, Subscription subscription) {
            List<Member<S>> updated = new ArrayList<>(members.size() + 1);
            boolean replaced = false;
            for (Member<S> m : members) {
                if (m.subscriber().equals(subscriber)) {
                    replaced = true;
                } else {
                    updated.add(m);
                }
            }
            updated.add(new Member<>(subscriber, subscription));
            members = List.copyOf(updated);
            return replaced;
        }

        boolean remove(S subscriber) {
            List<Member<S>> updated = members.stream()
                    .filter(m -> !m.subscriber().equals(subscriber))
                    .toList();
            boolean removed = updated.size() != members.size();
            members = updated;
            return removed;
        }

        Member<S> pick(Predicate<S> available) {
            List<Member<S>> snapshot = members;
            int size = snapshot.size();
            if (size == 0) {
                return null;
            }
            int start = Math.floorMod(next.getAndIncrement(), size);
            for (int i = 0; i < size; i++) {
                Member<S> m = snapshot.get((start + i) % size);
                if (available.test(m.subscriber())) {
                    return m;
                }
            }
            return snapshot.get(start); // nobody available: the caller counts the drop
        }
    }

    private final Node<S> root = new Node<>();
    private final AtomicInteger size = new AtomicInteger();

    /**
     * Adds or replaces {@code subscriber}'s subscription with the same filter (and share name).
     *
     * @return true when it replaced one (MQTT 5 Retain Handling 1 sends retained messages only for new ones)
     */
    public synchronized boolean add(S subscriber, Subscription subscription) {
        Node<S> node = root;
        for (String level : subscription.filter().split("/", -1)) {
            node = node.children.computeIfAbsent(level, l -> new Node<>());
        }
        boolean replaced;
        if (subscription.shared()) {
            Group<S> group = node.groups.computeIfAbsent(subscription.group(), g -> new Group<>());
            replaced = group.put(subscriber, subscription);
        } else {
            replaced = node.subscribers.put(subscriber, subscription) != null;
        }
        if (!replaced) {
            size.incrementAndGet();
        }
        return replaced;
    }

    /** Removes the subscriber's subscription to {@code filter} in share {@code group} (null: not shared). */
    public synchronized boolean remove(S subscriber, String filter, String group) {
        String[] levels = filter.split("/", -1);
        List<Node<S>> path = new ArrayList<>(levels.length + 1);
        Node<S> node = root;
        path.add(node);
        for (String level : levels) {
            node = node.children.get(level);
            if (node == null) {
                return false;
            }
            path.add(node);
        }
        boolean removed;
        if (group == null) {
            removed = node.subscribers.remove(subscriber) != null;
        } else {
            Group<S> g = node.groups.get(group);
            removed = g != null && g.remove(subscriber);
            if (g != null && g.members.isEmpty()) {
                node.groups.remove(group, g);
            }
        }
        if (removed) {
            size.decrementAndGet();
            for (int i = levels.length; i > 0 && path.get(i).isEmpty(); i--) {
                path.get(i - 1).children.remove(levels[i - 1], path.get(i));
            }
        }
        return removed;
    }

    /** Number of subscriptions held. */
    public int size() {
        return size.get();
    }

    /**
     * The subscribers of a publish to {@code topic}.
     *
     * @param publisher who published it, for No Local; null when it came from elsewhere
     * @param available which shared-subscription members can take a message now
     */
    public Map<S, Matched> match(String topic, S publisher, Predicate<S> available) {
        Map<S, Matched> result = new HashMap<>();
        String[] levels = topic.split("/", -1);
        walk(root, levels, 0, topic.startsWith("$"), publisher, available, result);
        return result;
    }

    private void walk(
            Node<S> node,
            String[] levels,
            int depth,
            boolean dollar,
            S publisher,
            Predicate<S> available,
            Map<S, Matched> out) {
        boolean wildcardsAllowed = !(dollar && depth == 0);
        if (wildcardsAllowed) {
            Node<S> hash = node.children.get("#"); // matches the parent level and everything below
            if (hash != null) {
                collect(hash, publisher, available, out);
            }
        }
        if (depth == levels.length) {
            collect(node, publisher, available, out);
            return;
        }
        Node<S> exact = node.children.get(levels[depth]);
        if (exact != null) {
            walk(exact, levels, depth + 1, dollar, publisher, available, out);
        }
        if (wildcardsAllowed) {
            Node<S> plus = node.children.get("+");
            if (plus != null) {
                walk(plus, levels, depth + 1, dollar, publisher, available, out);
            }
        }
    }

    private void collect(Node<S> node, S publisher, Predicate<S> available, Map<S, Matched> out) {
        node.subscribers.forEach((subscriber, subscription) -> {
            if (!(subscription.noLocal() && subscriber.equals(publisher))) {
                out.computeIfAbsent(subscriber, s -> new Matched()).add(subscription);
            }
        });
        for (Group<S> group : node.groups.values()) {
            Member<S> m = group.pick(available);
            if (m != null) {
                out.computeIfAbsent(m.subscriber(), s -> new Matched()).add(m.subscription());
            }
        }
    }
}
