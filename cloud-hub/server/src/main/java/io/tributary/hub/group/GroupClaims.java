package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the {@link GroupCoordinator}'s groups are run: finds a group here, on another hub or nowhere, claims it from
 * the {@link GroupStore} on first use and loads its durable rows; drops a group the store lost or whose stream's home
 * changed. It shares the coordinator's group tables.
 *
 * <p>Thread rules: every group is touched only on the coordinator's single group thread, which never waits for a disk
 * (claims complete back onto it).
 */
final class GroupClaims {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /**
     * How long a group of a shared store may have no member before this hub lets it go. Long enough that a member
     * restarting (a deploy, a crash under a supervisor, a network cut longer than the lease timeout) finds its group
     * still run here, without a claim; short enough that an abandoned group does not hold a producer, its state and
     * its lag gauges on one hub for ever, and that its next member's hub can run it (nothing else moves groups).
     */
    static final Duration IDLE = Duration.ofMinutes(10);

    private final StreamRegistry streams;
    private final GroupStore checkpoints;
    private final GroupLeases leases;
    private final Counter lost;
    private final Consumer<Runnable> groupThread;
    /** This hub's region: groups of a stream homed elsewhere run there, not here. */
    private volatile String region = "";

    private final Set<GroupKey> warnedNotHome = ConcurrentHashMap.newKeySet();
    private final Map<GroupKey, ConsumerGroup> groups;
    /** Durable grants of owned leases: what {@link GroupCoordinator#holds} honours. */
    private final Map<GroupShard, Long> tokens;
    /** The groups run here (published for {@link GroupCoordinator#holds}, which asks the store about the others). */
    private final Set<GroupKey> coordinated;
    /** Claims under way: what waits for each. */
    private final Map<GroupKey, List<Consumer<Found>>> claiming = new HashMap<>();

    /** Where a group is run, as {@link #find} found it. */
    sealed interface Found {}

    /** Here: the group. */
    record Here(ConsumerGroup group) implements Found {}

    /** Another hub, at {@code endpoint}, coordinates it. */
    record There(String endpoint, String coordinator) implements Found {}

    /** Nowhere now: an invalid group ({@code reason} null), or its state cannot be had (retriable). */
    record Nowhere(String reason) implements Found {}

    /** @param groupThread runs a task on the coordinator's group thread */
    GroupClaims(
            StreamRegistry streams,
            GroupStore checkpoints,
            Map<GroupKey, ConsumerGroup> groups,
            Set<GroupKey> coordinated,
            Map<GroupShard, Long> tokens,
            GroupLeases leases,
            Counter lost,
            Consumer<Runnable> groupThread) {
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.groups = groups;
        this.coordinated = coordinated;
        this.tokens = tokens;
        this.leases = leases;
        this.lost = lost;
        this.groupThread = groupThread;
    }

    void region(String value) {
        this.region = value;
    }

    /** Whether this hub runs the groups of {@code stream} (its home region, or a stream without replicas). */
    boolean home(StreamDefinition stream) {
        return stream.replication().isHome(region);
    }

    /**
     * Drops the cached groups of {@code stream}, their tokens and their lag gauges, and lets go of the groups this hub
     * coordinated (on a shared store another hub may claim them at once; a deleted stream's are reset without fencing).
     */
    void forget(String stream) {
        leases.forgetLag(stream);
        groups.keySet().removeIf(k -> k.stream().equals(stream));
        tokens.keySet().removeIf(k -> k.stream().equals(stream));
        List<GroupKey> ran =
                coordinated.stream().filter(k -> k.stream().equals(stream)).toList();
        coordinated.removeAll(ran);
        ran.forEach(checkpoints::release);
    }

    /**
     * On a store several hubs share, lets go of every group that has had no member for {@link #IDLE}: its state, tokens
     * and lag gauges here, and its coordination (the next member's frame claims it again, here or at another hub). The
     * local store keeps every group: nothing to give back, and an unconsumed group's lag stays visible.
     */
    void releaseIdle(long nowMs) {
        if (!checkpoints.shared()) {
            return;
        }
        for (Iterator<Map.Entry<GroupKey, ConsumerGroup>> it = groups.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<GroupKey, ConsumerGroup> e = it.next();
            if (!e.getValue().idleFor(nowMs, IDLE.toMillis())) {
                continue;
            }
            GroupKey key = e.getKey();
            it.remove();
            coordinated.remove(key);
            tokens.keySet().removeIf(k -> k.groupKey().equals(key));
            leases.forgetLag(key);
            checkpoints.release(key);
            log.info("group {}: no member for {}, let go (the next member's hub claims it)", key, IDLE);
        }
    }

    /** The store lost {@code key} (another hub may run it now): drop it at once, honour none of its tokens. */
    void drop(GroupKey key, String why) {
        ConsumerGroup g = groups.remove(key);
        coordinated.remove(key);
        tokens.keySet().removeIf(k -> k.groupKey().equals(key));
        if (g != null) {
            lost.increment();
            log.warn(
                    "group {}: this hub no longer coordinates it ({}); its members are sent to the hub that does",
                    key,
                    why);
        }
    }

    /**
     * Finds where {@code key} is run and hands it to {@code then} on the group thread: here (claimed from the store
     * on first use), another hub, or nowhere (an invalid group, a stream homed in another region, state that cannot
     * be had now).
     */
    void find(GroupKey key, Consumer<Found> then) {
        Optional<StreamDefinition> def = streams.find(key.stream());
        if (def.isEmpty() || !NAME.matcher(key.group()).matches()) {
            then.accept(new Nowhere(null));
            return;
        }
        if (!def.get().replication().isHome(region)) {
            // Checkpoints are replicated from the home; a group run here too would fork them.
            if (warnedNotHome.add(key)) {
                log.warn(
                        "group {}: stream {} is homed in region {}; its consumer groups run there, this hub gives no"
                                + " leases (read a replica with a shard reader)",
                        key,
                        key.stream(),
                        def.get().replication().homeRegion());
            }
            if (groups.remove(key) != null) {
                coordinated.remove(key);
                checkpoints.release(key);
            }
            then.accept(new Nowhere(null));
            return;
        }
        ConsumerGroup g = groups.get(key);
        if (g != null) {
            then.accept(new Here(g));
            return;
        }
        List<Consumer<Found>> waiting = claiming.get(key);
        if (waiting != null) {
            waiting.add(then);
            return;
        }
        waiting = new ArrayList<>();
        waiting.add(then);
        claiming.put(key, waiting);
        CompletableFuture<GroupStore.Claim> claim;
        try {
            claim = checkpoints.claim(key);
        } catch (RuntimeException e) {
            claim = CompletableFuture.failedFuture(e);
        }
        claim.whenComplete((c, e) -> run(() -> claimed(key, c, e)));
    }

    /** A claim of {@code key} completed: loads the group when it is run here, then answers what waited for it. */
    private void claimed(GroupKey key, GroupStore.Claim claim, Throwable failure) {
        List<Consumer<Found>> waiting = claiming.remove(key);
        Found found;
        if (failure != null) {
            log.error("group {}: its state cannot be had: {}", key, failure.toString());
            found = new Nowhere(failure.toString()); // never empty: an empty reason would read as "no leases"
        } else if (claim instanceof GroupStore.Elsewhere e) {
            found = new There(e.endpoint(), e.coordinator());
        } else if (claim instanceof GroupStore.Unavailable u) {
            log.warn("group {}: not run here now: {}", key, u.reason());
            found = new Nowhere(u.reason());
        } else if (!checkpoints.coordinates(key)) {
            // lost between the claim and now: its onLost ran before there was a group to drop; claim again next time
            log.warn("group {}: coordination was lost again before the group was set up here", key);
            found = new Nowhere("coordination lost while being taken");
        } else {
            found = load(key, ((GroupStore.Coordinating) claim).rows());
        }
        if (waiting != null) {
            for (Consumer<Found> w : waiting) {
                w.accept(found);
            }
        }
    }

    /** Runs {@code key} here from its durable rows; nowhere if its stream went meanwhile. */
    private Found load(GroupKey key, Map<String, CheckpointStore.Row> rows) {
        Optional<StreamDefinition> def = streams.find(key.stream());
        if (def.isEmpty()) {
            checkpoints.release(key);
            return new Nowhere(null);
        }
        Map<String, ShardLease> saved = new HashMap<>();
        for (CheckpointStore.Row r : rows.values()) {
            ShardLease l = new ShardLease(r.key().shardId());
            l.checkpoint = r.checkpoint();
            l.token = r.token();
            l.durableToken = r.token();
            l.ended = r.ended();
            saved.put(l.shardId, l);
        }
        ConsumerGroup loaded = new ConsumerGroup(saved);
        groups.put(key, loaded);
        coordinated.add(key);
        def.get().shards().forEach(s -> loaded.lease(s.id()));
        leases.publish(key, loaded);
        if (checkpoints.shared()) {
            log.info("group {}: coordinated by this hub now ({} shards with state)", key, rows.size());
        }
        return new Here(loaded);
    }

    private void run(Runnable task) {
        groupThread.accept(task);
    }
}
