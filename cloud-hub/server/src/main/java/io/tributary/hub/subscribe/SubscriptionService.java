package io.tributary.hub.subscribe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Credit;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.Subscribe;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Push subscriptions: {@code Subscribe}, {@code Credit} and {@code Unsubscribe}. Each {@link Subscription} reads on
 * the worker executor and is woken by the {@link ShardNotifier}; the many subscriptions of one shard share nothing
 * but the store, whose reads never block its writer.
 *
 * <p>Thread rules: frames arrive on the session's event loop; the per-session table is confined to it.
 */
public final class SubscriptionService implements FrameService {
    private final HubContext hub;
    private final ShardReads reads;
    private final ShardNotifier notifier;
    private final ScheduledExecutorService scheduler;
    private final LeaseCheck leases;
    private final AtomicInteger active = new AtomicInteger();
    private final Counter records;
    private final Counter bytes;
    private final Timer pushAge;

    public SubscriptionService(
            HubContext hub,
            ShardReads reads,
            ShardNotifier notifier,
            ScheduledExecutorService scheduler,
            LeaseCheck leases,
            MeterRegistry registry) {
        this.hub = hub;
        this.reads = reads;
        this.notifier = notifier;
        this.scheduler = scheduler;
        this.leases = leases;
        Gauge.builder("tributary.hub.subscriptions", active, AtomicInteger::get)
                .description("Open push subscriptions of consumers")
                .register(registry);
        this.records = Counter.builder("tributary.hub.push.records")
                .description("Records pushed to subscribers")
                .register(registry);
        this.bytes = Counter.builder("tributary.hub.push.bytes")
                .description("Batch payload bytes pushed to subscribers")
                .register(registry);
        this.pushAge = Timer.builder("tributary.hub.push.age")
                .description("Append time of each batch pushed to a subscriber to its push: for a subscriber at the"
                        + " end of the shard the delay of the push path, for one catching up the age of what it reads")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /** The subscriptions of one session; event loop only. */
    private static final class Table {
        final Map<Long, Subscription> byId = new HashMap<>();
        /** Ids whose lease is being checked: reserved; an unsubscribe meanwhile removes the id (nothing starts). */
        final Set<Long> checking = new HashSet<>();
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        Table table = session.attribute(Table.class, Table::new);
        switch (frame.getBodyCase()) {
            case SUBSCRIBE -> subscribe(session, table, frame.getSubscribe());
            case CREDIT -> {
                Credit c = frame.getCredit();
                Subscription s = table.byId.get(c.getSubscriptionId());
                if (s != null) {
                    s.credit(c.getRecords(), c.getBytes());
                }
            }
            case UNSUBSCRIBE -> {
                table.checking.remove(frame.getUnsubscribe().getSubscriptionId());
                Subscription s = table.byId.get(frame.getUnsubscribe().getSubscriptionId());
                if (s != null) {
                    end(table, s, frame.getUnsubscribe().getSubscriptionId());
                }
            }
            default -> {}
        }
    }

    private void subscribe(Session session, Table table, Subscribe req) {
        long id = req.getSubscriptionId();
        ShardKey key;
        try {
            key = new ShardKey(req.getStream(), req.getShardId());
        } catch (IllegalArgumentException e) {
            session.send(ReadService.error(id, ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST, e.getMessage()));
            return;
        }
        if (table.byId.containsKey(id) || table.checking.contains(id)) {
            session.send(ReadService.error(id, ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST, "subscription id in use"));
            return;
        }
        if (req.getConsumerGroup().isEmpty()) {
            start(session, table, req, key);
            return;
        }
        // The lease may be another hub's to know (a group it coordinates): checked off the event loop, then started
        // on it — unless the session unsubscribed or closed meanwhile.
        table.checking.add(id);
        CompletableFuture<Boolean> check;
        try {
            check = leases.holds(req.getStream(), req.getConsumerGroup(), req.getShardId(), req.getLeaseToken());
        } catch (RuntimeException e) {
            check = CompletableFuture.failedFuture(e);
        }
        check.whenComplete((held, failure) -> session.execute(() -> {
            if (!table.checking.remove(id)) {
                return;
            }
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                session.send(ReadService.error(
                        id,
                        ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE,
                        "lease token " + req.getLeaseToken() + " of " + key + " in group " + req.getConsumerGroup()
                                + " cannot be checked now: " + cause.getMessage()));
            } else if (!held) {
                session.send(ReadService.error(
                        id,
                        ReadErrorCode.READ_ERROR_CODE_BAD_REQUEST,
                        "lease token " + req.getLeaseToken() + " of " + key + " is not current in group "
                                + req.getConsumerGroup()));
            } else {
                start(session, table, req, key);
            }
        }));
    }

    private void start(Session session, Table table, Subscribe req, ShardKey key) {
        long id = req.getSubscriptionId();
        Subscription.Owner owner = new Subscription.Owner() {
            @Override
            public void delivered(long n, long b) {
                records.increment(n);
                bytes.increment(b);
            }

            @Override
            public void pushed(long appendTimeMs) {
                pushAge.record(Math.max(0, hub.clock().millis() - appendTimeMs), TimeUnit.MILLISECONDS);
            }

            @Override
            public void ended(Subscription s) {
                end(table, s, id);
            }
        };
        Subscription s = new Subscription(
                id,
                key,
                session,
                reads,
                hub.worker(),
                scheduler,
                owner,
                hub.config().maxFrameBytes(),
                req.getInitialCreditRecords(),
                req.getInitialCreditBytes());
        table.byId.put(id, s);
        active.incrementAndGet();
        notifier.add(key, s);
        s.start(req.getStart());
    }

    private void end(Table table, Subscription s, long id) {
        if (table.byId.remove(id, s)) {
            s.cancel();
            notifier.remove(s.key(), s);
            active.decrementAndGet();
        }
    }

    @Override
    public void onClosed(Session session) {
        Table table = session.attribute(Table.class, Table::new);
        table.checking.clear();
        for (Map.Entry<Long, Subscription> e : Map.copyOf(table.byId).entrySet()) {
            end(table, e.getValue(), e.getKey());
        }
    }
}
