package io.tributary.sim;

import io.tributary.sim.load.GroupSkew;
import io.tributary.sim.load.TokenBucket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The simulator's one scheduling thread: every tick it starts connection attempts (bounded concurrency), spends
 * the token bucket's tokens on devices chosen by the group skew (round-robin within a group), and every 50 ms runs
 * churn and reconnects. Phases: CONNECTING (until every device tried once), LOAD (until duration, count or stop),
 * DRAIN (until no acknowledgement is outstanding or the drain timeout), DONE.
 *
 * <p>Threads: confined to the scheduler thread, except {@link #loadNanos} and {@link #abortReason}, read after
 * the run.
 */
final class Pacer {

    private enum Phase {
        CONNECTING,
        LOAD,
        DRAIN,
        DONE
    }

    private static final int MAX_PUBLISHES_PER_TICK = 5_000;
    private static final long MAINTENANCE_NANOS = 50_000_000L;
    private static final long RETRY_NANOS = 1_000_000_000L;
    private static final long MAX_DRAINING_NANOS = 5_000_000_000L;

    private final Simulator sim;
    private final SimConfig config;
    private final List<VirtualDevice> devices;
    private final Queue<VirtualDevice> wentOffline;
    private final SimCounters counters;
    private final LongSupplier nanoClock;
    private final Runnable onDone;
    private final int[][] groupMembers;
    private final int[] groupCursor;
    private final GroupSkew skew;
    private final SplittableRandom random;
    private final ArrayDeque<VirtualDevice> pendingConnects;
    private final List<VirtualDevice> offline = new ArrayList<>();
    private final List<VirtualDevice> draining = new ArrayList<>();
    private final long connectDeadline;
    private final AtomicInteger finishedConnects = new AtomicInteger();
    private int connecting;
    private Phase phase = Phase.CONNECTING;
    private TokenBucket bucket;
    private long loadStart;
    private long nextMaintenance;
    private long nextChurn;
    private long drainDeadline;
    private volatile long loadNanos;
    private volatile String abortReason;

    Pacer(
            Simulator sim,
            List<VirtualDevice> devices,
            Queue<VirtualDevice> wentOffline,
            LongSupplier nanoClock,
            Runnable onDone) {
        this.sim = sim;
        this.config = sim.config();
        this.devices = devices;
        this.wentOffline = wentOffline;
        this.counters = sim.counters();
        this.nanoClock = nanoClock;
        this.onDone = onDone;
        this.skew = new GroupSkew(config.groups(), config.skew());
        this.random = new SplittableRandom(config.seed());
        int groups = config.groups();
        this.groupMembers = new int[groups][];
        this.groupCursor = new int[groups];
        for (int g = 0; g < groups; g++) {
            int size = (config.devices() - g + groups - 1) / groups;
            groupMembers[g] = new int[size];
            for (int k = 0; k < size; k++) {
                groupMembers[g][k] = g + k * groups;
            }
        }
        this.pendingConnects = new ArrayDeque<>(devices);
        this.connectDeadline = nanoClock.getAsLong() + 30_000_000_000L + config.devices() * 2_000_000L;
    }

    long loadNanos() {
        return loadNanos;
    }

    Optional<String> abortReason() {
        return Optional.ofNullable(abortReason);
    }

    void tick() {
        if (phase == Phase.DONE) {
            return;
        }
        try {
            long now = nanoClock.getAsLong();
            startConnects();
            switch (phase) {
                case CONNECTING -> connecting(now);
                case LOAD -> load(now);
                case DRAIN -> drain(now);
                case DONE -> {}
            }
        } catch (RuntimeException | Error e) {
            finish("simulator failed: " + e);
        }
    }

    /** Every device tries once before the load starts; failed ones retry during the load phase. */
    private void connecting(long now) {
        if (sim.stopRequested() || (pendingConnects.isEmpty() && connecting == 0) || now >= connectDeadline) {
            startLoad(now);
        }
    }

    private void startLoad(long now) {
        if (counters.connected.get() == 0) {
            finish("no device could connect to " + config.host() + ":" + config.port());
            return;
        }
        phase = Phase.LOAD;
        loadStart = now;
        bucket = new TokenBucket(config.profile(), nanoClock, 0.1);
        nextMaintenance = now;
        nextChurn = now + config.churnEvery().toNanos();
    }

    private void load(long now) {
        if (now >= nextMaintenance) {
            maintenance(now);
            churn(now);
            nextMaintenance = now + MAINTENANCE_NANOS;
        }
        long n = Math.min(bucket.refill(), MAX_PUBLISHES_PER_TICK);
        if (config.needsAck()) {
            n = Math.min(n, Math.max(0, config.maxInflight() - counters.inflight.get()));
        }
        if (config.count() > 0) {
            n = Math.min(n, config.count() - counters.published.sum());
        }
        for (long i = 0; i < n; i++) {
            VirtualDevice device = pick(skew.next(random));
            if (device == null) {
                counters.skipped.increment();
            } else {
                device.publish();
            }
        }
        bucket.consume(Math.max(0, n));
        loadNanos = now - loadStart;
        boolean countReached = config.count() > 0 && counters.published.sum() >= config.count();
        boolean timeUp = !config.duration().isZero()
                && now - loadStart >= config.duration().toNanos();
        if (countReached || timeUp || sim.stopRequested()) {
            phase = Phase.DRAIN;
            drainDeadline = now + config.drainTimeout().toNanos();
        }
    }

    private VirtualDevice pick(int group) {
        int[] members = groupMembers[group];
        int tries = Math.min(8, members.length);
        for (int t = 0; t < tries; t++) {
            int cursor = groupCursor[group];
            groupCursor[group] = cursor + 1 == members.length ? 0 : cursor + 1;
            VirtualDevice d = devices.get(members[cursor]);
            if (d.canPublish()) {
                return d;
            }
        }
        return null;
    }

    private void drain(long now) {
        if (counters.inflight.get() == 0 || now >= drainDeadline) {
            finish(null);
        }
    }

    private void startConnects() {
        while (connecting < config.connectConcurrency() && !pendingConnects.isEmpty()) {
            VirtualDevice d = pendingConnects.poll();
            connecting++;
            d.connect().whenComplete((ok, e) -> finishedConnects.incrementAndGet());
        }
        connecting -= finishedConnects.getAndSet(0);
    }

    /** Reconnects devices whose offline time is over. */
    private void maintenance(long now) {
        for (VirtualDevice d = wentOffline.poll(); d != null; d = wentOffline.poll()) {
            if (d.state() == VirtualDevice.State.OFFLINE && !d.waitingToReconnect) {
                d.reconnectAtNanos = now + (d.churned ? config.offlineFor().toNanos() : RETRY_NANOS);
                d.churned = false;
                d.waitingToReconnect = true;
                offline.add(d);
            }
        }
        for (Iterator<VirtualDevice> it = offline.iterator(); it.hasNext(); ) {
            VirtualDevice d = it.next();
            if (d.reconnectAtNanos <= now) {
                it.remove();
                d.waitingToReconnect = false;
                pendingConnects.add(d);
            }
        }
    }

    /** Takes a share of the devices offline: they drain their acknowledgements first, then disconnect. */
    private void churn(long now) {
        for (Iterator<VirtualDevice> it = draining.iterator(); it.hasNext(); ) {
            VirtualDevice d = it.next();
            if (d.inflight() == 0 || now - d.drainingSinceNanos > MAX_DRAINING_NANOS) {
                it.remove();
                d.churned = true;
                d.disconnect();
            }
        }
        if (config.churnFraction() <= 0 || now < nextChurn) {
            return;
        }
        nextChurn += config.churnEvery().toNanos();
        int k = (int) Math.round(config.churnFraction() * devices.size());
        for (int i = 0; i < k; i++) {
            VirtualDevice d = devices.get(random.nextInt(devices.size()));
            if (d.startDraining(now)) {
                draining.add(d);
            }
        }
    }

    private void finish(String reason) {
        if (phase == Phase.DONE) {
            return;
        }
        abortReason = reason;
        phase = Phase.DONE;
        onDone.run();
    }
}
