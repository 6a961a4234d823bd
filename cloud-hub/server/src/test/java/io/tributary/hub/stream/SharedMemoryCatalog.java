package io.tributary.hub.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A catalog several registries ("hubs") share in memory, for tests of what the registry does with other hubs' changes.
 * Each hub has its own {@link View}; a change is queued for every other view's follower and delivered by {@link
 * #deliver()} (so a test decides when a hub learns of a change), or at once with {@link #deliverAtOnce}. Thread-safe.
 */
public final class SharedMemoryCatalog {
    private final Map<String, StreamDefinition> streams = new HashMap<>();
    private final List<View> views = new ArrayList<>();
    private boolean deliverAtOnce;

    /** A new hub's view of the shared catalog. */
    public synchronized View view() {
        View v = new View();
        views.add(v);
        return v;
    }

    /** Whether a change reaches the other views' followers before {@code update} returns. */
    public synchronized void deliverAtOnce(boolean value) {
        deliverAtOnce = value;
    }

    /** Tells every follower the changes queued for it, in order. */
    public void deliver() {
        for (View v : snapshotViews()) {
            v.deliver();
        }
    }

    private synchronized List<View> snapshotViews() {
        return List.copyOf(views);
    }

    /** One hub's handle on the shared catalog. */
    public final class View implements StreamCatalog {
        private final Queue<String> pending = new ArrayDeque<>();
        private Consumer<String> follower = name -> {};

        @Override
        public Map<String, StreamDefinition> streams() {
            synchronized (SharedMemoryCatalog.this) {
                return Map.copyOf(streams);
            }
        }

        @Override
        public Optional<StreamDefinition> current(String stream) {
            synchronized (SharedMemoryCatalog.this) {
                return Optional.ofNullable(streams.get(stream));
            }
        }

        @Override
        public Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change) {
            List<View> tell = new ArrayList<>();
            Change done;
            synchronized (SharedMemoryCatalog.this) { // the cross-hub lock
                Optional<StreamDefinition> before = Optional.ofNullable(streams.get(stream));
                Optional<StreamDefinition> after = change.apply(before);
                after.ifPresentOrElse(s -> streams.put(stream, s), () -> streams.remove(stream));
                done = new Change(before, after);
                if (done.changed()) {
                    for (View v : views) {
                        if (v != this) {
                            v.queue(stream);
                            tell.add(v);
                        }
                    }
                }
                if (!deliverAtOnce) {
                    tell.clear();
                }
            }
            tell.forEach(View::deliver);
            return done;
        }

        private synchronized void queue(String stream) {
            pending.add(stream);
        }

        private void deliver() {
            while (true) {
                String next;
                Consumer<String> f;
                synchronized (this) {
                    next = pending.poll();
                    f = follower;
                }
                if (next == null) {
                    return;
                }
                f.accept(next);
            }
        }

        @Override
        public synchronized void follow(Consumer<String> follower) {
            this.follower = follower;
        }

        @Override
        public String describe() {
            return "shared memory";
        }

        @Override
        public void close() {}
    }
}
