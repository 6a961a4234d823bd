package io.tributary.hub.subscribe;

import io.tributary.hub.store.ShardKey;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes push subscriptions when their shard grows. The store decorator ({@link NotifyingShardStore}) calls {@link
 * #appended} after each durable append; the cost on the append path is one map lookup when nobody listens.
 *
 * <p>Thread rules: thread-safe; listeners run on the appending (store) thread and must only hand off.
 */
public final class ShardNotifier {
    /** Told that a shard has new durable records. Must not block. */
    public interface Listener {
        void onAppended(ShardKey shard);
    }

    private final Map<ShardKey, Set<Listener>> listeners = new ConcurrentHashMap<>();

    public void add(ShardKey shard, Listener listener) {
        listeners.computeIfAbsent(shard, k -> ConcurrentHashMap.newKeySet()).add(listener);
    }

    public void remove(ShardKey shard, Listener listener) {
        listeners.computeIfPresent(shard, (k, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public void appended(ShardKey shard) {
        Set<Listener> set = listeners.get(shard);
        if (set != null) {
            for (Listener l : set) {
                l.onAppended(shard);
            }
        }
    }
}
