package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.protocol.time.ExpiryClock;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention on the Pulsar store ({@link PulsarShardStore#enforceRetention}): the same stream settings and the same
 * answers as the local store, at batch granularity for readers and ledger granularity in Pulsar.
 *
 * <p><b>A pass</b> over one shard:
 *
 * <ol>
 *   <li>Picks the oldest batches the policy no longer retains ({@link #victims}: each batch by its own append time on
 *       an {@link ExpiryClock}, then oldest first while the payloads exceed the size limit). The newest batches may go
 *       too: nothing needs them to keep the sequences.
 *   <li>Writes a trim marker through the shard's exclusive producer ({@link PulsarShard#trim}): the new oldest
 *       sequence and the sequence after the marker. Once it is durable the batches leave the shard's index, so reads
 *       below the new oldest sequence fail with a {@code TrimmedException}, {@code trim-horizon} reads start there,
 *       and {@code sequenceForTimestamp} no longer finds them. Their producer runs stay until the shard is opened
 *       again (as on the local store, whose runs are rebuilt from the retained segments).
 *   <li>Lets Pulsar delete them: the durable subscription {@value #SUBSCRIPTION} (created at the earliest message the
 *       first time) is moved to the newest trim marker or the first retained batch, whichever comes first ({@link
 *       SequenceIndex#retainFrom}); the first time, the topic then gets a retention policy of nothing beyond what
 *       subscriptions hold (the namespace keeps everything); and the broker is asked to trim the topic. Pulsar deletes
 *       whole ledgers whose every entry lies before that position and never the ledger being written; so it keeps up
 *       to a ledger of trimmed batches beyond the limit, plus the current ledger (a ledger rolls over after {@code
 *       managedLedgerMaxEntriesPerLedger} entries, 50,000 by default, once it is {@code
 *       managedLedgerMinLedgerRolloverTimeMinutes} old, 10 by default, or after {@code
 *       managedLedgerMaxLedgerRolloverTimeMinutes}, 240; and at every topic load).
 * </ol>
 *
 * <p><b>The high-water mark survives.</b> The newest trim marker is never deleted, and it says where the sequences
 * go on; a recovery ({@link TopicScan}) starts from the first batch or trim marker still in the topic. So a shard
 * whose batches were all trimmed continues its sequences after a restart of the hub or the brokers and at another
 * hub that takes it over.
 *
 * <p>A failed step (the admin API refusing or not answering) fails the pass, logs a WARN and counts in {@code
 * tributary_store_pulsar_retention_failures_total}; the next pass tries again (moving the subscription is idempotent),
 * and Pulsar keeps the data meanwhile. A pass on a shard another hub writes fails with its {@code
 * ShardUnavailableException} and is not counted: the writer trims. A shard's passes run one at a time, without
 * blocking the caller: they complete on the store's ack thread or the HTTP client's.
 */
final class ShardRetention {
    /** The durable subscription that holds a shard's retained messages once retention has run on it. */
    static final String SUBSCRIPTION = "tributary-retention";

    private static final Logger LOG = LoggerFactory.getLogger(ShardRetention.class);

    private final PulsarStoreConfig config;
    private final PulsarAdminRest admin;
    private final ExpiryClock clock;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<ShardKey, Passes> shards = new ConcurrentHashMap<>();

    ShardRetention(PulsarStoreConfig config, PulsarAdminRest admin, Clock clock, MeterRegistry registry) {
        this.config = config;
        this.admin = admin;
        this.clock = new ExpiryClock(clock);
        this.registry = registry;
    }

    /**
     * How many of the oldest batches {@code policy} no longer retains at {@code nowMs}: those appended before {@code
     * nowMs - maxAgeMs}, then more while the rest holds more than {@code maxBytes} of payload (a limit {@code <= 0}
     * is off).
     */
    static int victims(SequenceIndex index, RetentionPolicy policy, long nowMs) {
        long total = index.bytes();
        long freed = 0;
        int n = 0;
        while (n < index.size()) {
            boolean tooOld = policy.maxAgeMs() > 0 && index.appendTime(n) < nowMs - policy.maxAgeMs();
            boolean tooBig = policy.maxBytes() > 0 && total - freed > policy.maxBytes();
            if (!tooOld && !tooBig) {
                break;
            }
            freed += index.payloadBytes(n);
            n++;
        }
        return n;
    }

    /** Runs a pass over {@code shard} (topic {@code localName}) after the ones still running. */
    CompletableFuture<RetentionResult> enforce(
            ShardKey key, String localName, PulsarShard shard, RetentionPolicy policy) {
        Passes passes = shards.compute(
                key, (k, old) -> old != null && old.shard == shard ? old : new Passes(k, localName, shard));
        return passes.enqueue(policy);
    }

    /** The shard was deleted or released here: forgets its state and its meters. */
    void forget(ShardKey key) {
        Passes passes = shards.remove(key);
        if (passes != null) {
            passes.meters().forEach(registry::remove);
        }
    }

    /** One shard's passes, in order. */
    private final class Passes {
        private final ShardKey key;
        private final String localName;
        private final PulsarShard shard;
        private final Counter records;
        private final Counter bytes;
        private final Counter ledgers;
        private final Counter failures;
        // Touched by one pass at a time (passes are chained), on changing threads.
        private volatile boolean prepared;
        private volatile MessageId cursor;
        private volatile List<Long> ledgersSeen = List.of();
        // Guarded by this.
        private CompletableFuture<RetentionResult> last = CompletableFuture.completedFuture(null);

        Passes(ShardKey key, String localName, PulsarShard shard) {
            this.key = key;
            this.localName = localName;
            this.shard = shard;
            this.records = counter("trimmed.records", "Records retention trimmed from the shard on the Pulsar store");
            this.bytes = counter("trimmed.bytes", "Payload bytes retention trimmed from the shard on the Pulsar store");
            this.ledgers = counter(
                    "deleted.ledgers", "Ledgers of the shard's topic Pulsar deleted when retention moved its horizon");
            this.failures = counter(
                    "failures",
                    "Retention passes over the shard that failed on the Pulsar store (the admin API refused or did not"
                            + " answer); the data is kept and the next pass tries again");
        }

        private Counter counter(String name, String help) {
            return Counter.builder("tributary.store.pulsar.retention." + name)
                    .description(help)
                    .tag("stream", key.stream())
                    .tag("shard", key.shardId())
                    .register(registry);
        }

        List<Counter> meters() {
            return List.of(records, bytes, ledgers, failures);
        }

        synchronized CompletableFuture<RetentionResult> enqueue(RetentionPolicy policy) {
            CompletableFuture<RetentionResult> pass =
                    last.handle((r, e) -> null).thenCompose(x -> pass(policy));
            last = pass;
            return pass;
        }

        private CompletableFuture<RetentionResult> pass(RetentionPolicy policy) {
            return shard.trim(policy, clock.millis()).thenCompose(this::release).whenComplete((r, e) -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause != null && !(cause instanceof ShardUnavailableException)) {
                    failures.increment();
                    LOG.warn("{}: retention pass failed, data kept until the next: {}", key, cause.toString());
                }
            });
        }

        /** Moves the subscription to where the shard's topic must be kept from, and has Pulsar delete what lies before. */
        private CompletableFuture<RetentionResult> release(SequenceIndex.Dropped dropped) {
            MessageId from = shard.retainFrom();
            if (from == null || from.equals(cursor)) {
                return CompletableFuture.completedFuture(done(dropped, 0));
            }
            if (!(from instanceof MessageIdAdv at)) {
                return CompletableFuture.failedFuture(new IllegalStateException("not a ledger position: " + from));
            }
            String tenant = config.tenant();
            String ns = config.namespace();
            // Subscription, position, then policy: a topic whose policy keeps nothing beyond its subscriptions must
            // never be without the subscription at a position that holds what the shard retains (a create that failed
            // half way may have left it at the latest message; the move puts it back).
            boolean first = !prepared;
            CompletableFuture<Void> subscribed = first
                    ? admin.createSubscription(tenant, ns, localName, SUBSCRIPTION)
                    : CompletableFuture.completedFuture(null);
            return subscribed
                    .thenCompose(x -> admin.ledgerIds(tenant, ns, localName))
                    .thenCompose(before -> admin.resetCursor(
                                    tenant, ns, localName, SUBSCRIPTION, at.getLedgerId(), at.getEntryId())
                            .thenCompose(x -> first
                                    ? admin.retainOnlyWhatSubscriptionsHold(tenant, ns, localName)
                                    : CompletableFuture.completedFuture(null))
                            .thenRun(() -> prepared = true)
                            .thenCompose(x -> admin.trim(tenant, ns, localName))
                            .thenCompose(x -> admin.ledgerIds(tenant, ns, localName))
                            .thenApply(after -> {
                                // Done once no ledger before the position is left; else (the topic's retention
                                // policy not applied yet) the next pass asks again.
                                if (after.stream().noneMatch(id -> id < at.getLedgerId())) {
                                    cursor = from;
                                }
                                // Also those Pulsar deleted by itself since the last pass (once the policy applied).
                                Set<Long> gone = new HashSet<>(ledgersSeen);
                                gone.addAll(before);
                                gone.removeAll(after);
                                ledgersSeen = after;
                                return done(dropped, gone.size());
                            }));
        }

        private RetentionResult done(SequenceIndex.Dropped dropped, int ledgersDeleted) {
            long oldest = shard.info().oldestSequence();
            records.increment(dropped.records());
            bytes.increment(dropped.bytes());
            ledgers.increment(ledgersDeleted);
            if (dropped.batches() > 0 || ledgersDeleted > 0) {
                LOG.info(
                        "{}: retention trimmed {} batches ({} records, {} bytes); oldest retained sequence {}; Pulsar"
                                + " deleted {} ledgers",
                        key,
                        dropped.batches(),
                        dropped.records(),
                        dropped.bytes(),
                        oldest,
                        ledgersDeleted);
            }
            return new RetentionResult(ledgersDeleted, dropped.bytes(), oldest);
        }
    }
}
