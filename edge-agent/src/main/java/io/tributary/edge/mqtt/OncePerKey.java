package io.tributary.edge.mqtt;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate limit for log lines about a recurring problem: true the first time a key is seen, false afterwards, for at
 * most {@code maxKeys} keys (then always false, so a flood of distinct keys cannot grow memory or the log). Callers
 * log the first occurrence at WARN and the rest at DEBUG; the counters carry the rate. Thread-safe.
 */
final class OncePerKey {

    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final int maxKeys;

    OncePerKey(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    boolean first(String key) {
        return !seen.contains(key) && seen.size() < maxKeys && seen.add(key); // seen: a lookup, nothing counted
    }
}
