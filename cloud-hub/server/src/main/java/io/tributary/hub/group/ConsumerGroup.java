package io.tributary.hub.group;

import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Membership and leases of one consumer group on one stream.
 *
 * <p><b>Eligibility.</b> A shard may be leased when it is not finished and every parent still in the stream is
 * finished (a member checkpointed it with {@code shard_end}), so a group reads a parent to its end before any child:
 * per-key order holds through splits and merges.
 *
 * <p><b>Balance.</b> With {@code n} eligible shards and {@code m} live members, every member gets {@code n/m} leases and
 * {@code n%m} of them (those already holding the most, then by id) one more. A member over its quota gives up its
 * highest shards; free shards go to members under quota. Every grant increments the shard's fencing token. A member
 * silent for the lease timeout is dropped and its shards go free.
 *
 * <p>Thread rules: not thread-safe; confined to the group thread of {@link GroupCoordinator}.
 */
final class ConsumerGroup {
    private final Map<String, Long> members = new TreeMap<>();
    private final Map<String, ShardLease> leases;
    /** Monotonic millis when the group last had a member (or was first checked without one). */
    private long lastMemberMs = Long.MIN_VALUE;

    ConsumerGroup(Map<String, ShardLease> saved) {
        this.leases = new TreeMap<>(saved);
        // Owners do not survive a restart: members re-join by heartbeat and leases are granted afresh.
    }

    Map<String, ShardLease> leases() {
        return leases;
    }

    /** Records a heartbeat at {@code nowMs} (monotonic millis, a Ticker's); returns whether the member is new. */
    boolean heartbeat(String member, long nowMs) {
        lastMemberMs = nowMs;
        return members.put(member, nowMs) == null;
    }

    /** Whether the group has had no member for {@code idleMs} at {@code nowMs}; checked on every expiry tick. */
    boolean idleFor(long nowMs, long idleMs) {
        if (!members.isEmpty() || lastMemberMs == Long.MIN_VALUE) {
            lastMemberMs = nowMs;
            return false;
        }
        return nowMs - lastMemberMs >= idleMs;
    }

    boolean leave(String member) {
        return members.remove(member) != null;
    }

    boolean isMember(String member) {
        return members.containsKey(member);
    }

    /** Drops members silent for longer than {@code timeoutMs}; returns whether any was. */
    boolean expire(long nowMs, long timeoutMs) {
        return members.entrySet().removeIf(e -> nowMs - e.getValue() > timeoutMs);
    }

    ShardLease lease(String shardId) {
        return leases.computeIfAbsent(shardId, ShardLease::new);
    }

    /** Recomputes the leases; returns whether a token changed (then the state must be saved before answering). */
    boolean rebalance(StreamDefinition stream) {
        boolean granted = false;
        List<String> eligible = new ArrayList<>();
        for (ShardDefinition s : stream.shards()) {
            ShardLease l = lease(s.id());
            boolean ok = !l.ended && stream.parentsOf(s.id()).stream().allMatch(p -> lease(p.id()).ended);
            if (ok) {
                eligible.add(s.id());
            } else {
                l.owner = ShardLease.NONE;
            }
        }
        Map<String, List<String>> owned = new HashMap<>();
        members.keySet().forEach(m -> owned.put(m, new ArrayList<>()));
        for (String id : eligible) {
            ShardLease l = leases.get(id);
            if (l.owned() && owned.containsKey(l.owner)) {
                owned.get(l.owner).add(id);
            } else {
                l.owner = ShardLease.NONE;
            }
        }
        if (members.isEmpty()) {
            return false;
        }
        int base = eligible.size() / members.size();
        int extra = eligible.size() % members.size();
        List<String> order = new ArrayList<>(members.keySet());
        order.sort(Comparator.<String>comparingInt(m -> -owned.get(m).size()).thenComparing(m -> m));
        Map<String, Integer> quota = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            quota.put(order.get(i), base + (i < extra ? 1 : 0));
        }
        for (String m : order) {
            List<String> mine = owned.get(m);
            while (mine.size() > quota.get(m)) {
                leases.get(mine.remove(mine.size() - 1)).owner = ShardLease.NONE;
            }
        }
        for (String id : eligible) {
            ShardLease l = leases.get(id);
            if (l.owned()) {
                continue;
            }
            for (String m : order) {
                if (owned.get(m).size() < quota.get(m)) {
                    owned.get(m).add(id);
                    l.owner = m;
                    l.token++;
                    granted = true;
                    break;
                }
            }
        }
        return granted;
    }

    List<ShardLease> leasesOf(String member) {
        return leases.values().stream().filter(l -> l.owner.equals(member)).toList();
    }
}
