package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer groups across hubs on Pulsar: each group's durable state in a topic of its own, and one coordinator per
 * group among the hubs of a namespace, fenced by Pulsar.
 *
 * <p><b>On the topic</b> {@code persistent://<tenant>/<namespace>/__tributary-group=<stream>=<group>} ({@code =} is
 * in no stream, group or shard name, so the name is unambiguous and no shard topic has it): one message per row,
 * key = shard id, value = {@link GroupTopics#encode} (version byte 1, checkpoint, token, flags; 18 bytes), and a
 * <em>claim marker</em> per coordinator, key {@value #CLAIM_KEY}, value = the claiming hub's {@link WriterName}.
 * Compaction (threshold {@code pulsar.catalog-compaction-threshold}, set when this hub creates the topic) keeps one
 * message per key, so loading reads about one message per shard.
 *
 * <p><b>Coordinator and fence.</b> The hub that coordinates a group holds its topic with a producer in {@link
 * ProducerAccessMode#Exclusive} mode named by its {@link WriterName}, as a shard's writer holds a shard topic. A {@link
 * #claim} creates the topic if missing, takes the producer (the broker refuses it while another hub's is connected,
 * naming it: the claim then answers {@link GroupStore.Elsewhere} with that hub's endpoint), writes a claim marker and
 * reads the topic up to it: whatever an earlier coordinator got stored lies before the marker, so the rows read are
 * every durable row, and nothing of it can land after (taking the producer bumps the topic's epoch; the broker
 * refuses an older producer, also one reconnecting). A {@link #commit} sends one message per row on the producer and
 * completes after Pulsar's acknowledgement. A send that fails, or a producer found disconnected by the check every
 * second (fenced, or its connection lost), loses the group: the producer is closed and {@link #onLost} listeners
 * hear of it. A hub that dies frees its groups when the broker sees its connection close (at once for a killed
 * process); a hub that closes releases them.
 *
 * <p><b>Reset of a deleted stream's group</b> ({@link #reset}, by the deleting hub, whichever hub coordinates the
 * group): {@link GroupReset} takes the topic once its coordinator let go, or fences it ({@link
 * ProducerAccessMode#ExclusiveWithFencing}) after a second, writes every row again as nothing processed with its token
 * raised by one, and lets the topic go.
 *
 * <p><b>Reads without a claim</b> ({@link #read}: lease checks and describes of a group another hub coordinates) open
 * a compacted reader, read to the topic's last message and close it.
 *
 * <p>Metrics: {@code tributary_store_pulsar_group_takeovers_total} (claims that found another coordinator's marker),
 * {@code tributary_store_pulsar_group_claims_total{outcome}}, {@code tributary_store_pulsar_group_commit_seconds}.
 *
 * <p>Threads: thread-safe. Claims and reads run on the store's pool ({@code pulsar-groups-N}), commits complete on
 * Pulsar's threads, the fence check runs on a thread of its own ({@code pulsar-groups-check}) so that slow claims
 * cannot delay it.
 */
public final class PulsarGroupStore implements GroupStore {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarGroupStore.class);

    /** The local name of every group topic starts with this. */
    static final String TOPIC_PREFIX = "__tributary-group=";
    /** The key of claim markers: no shard id (shard ids are {@code shard-NNNNNN}). */
    static final String CLAIM_KEY = "~claim";

    /** How long a refused claim is answered from memory: a member sent on does not make a producer try each time. */
    private static final long REFUSED_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a lost group stays listed as a problem. */
    private static final long LOST_SHOWN_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Settings: the namespace, bounds, who this hub is. */
    record Settings(
            String tenant,
            String namespace,
            Duration operationTimeout,
            long compactionThresholdBytes,
            String writerEndpoint,
            Duration checkInterval) {}

    private final PulsarClient client;
    private final Settings settings;
    private final WriterName self;
    private final ScheduledExecutorService pool;
    /**
     * The fence check's own thread: on the pool it could wait behind claims and reads that block for up to the
     * operation timeout each, while a hub fenced meanwhile kept answering for a group another hub runs.
     */
    private final ScheduledExecutorService checker;

    private final Map<GroupKey, Held> held = new ConcurrentHashMap<>();
    private final Map<GroupKey, Refused> refused = new ConcurrentHashMap<>();
    private final Map<GroupKey, Problem> problems = new ConcurrentHashMap<>();
    private final GroupTopics topics;
    private final GroupClaimer claimer;
    private final GroupReset resetter;
    private final Timer commits;
    private volatile BiConsumer<GroupKey, String> lostListener = (k, why) -> {};
    private volatile boolean closed;

    /** A group this hub coordinates: its topic's exclusive producer. */
    static final class Held {
        final Producer<byte[]> producer;
        volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        Held(Producer<byte[]> producer) {
            this.producer = producer;
        }
    }

    private record Refused(Claim claim, long untilNanos) {}

    /** A problem of one group; {@code untilNanos} 0: until the next claim. */
    private record Problem(String text, long untilNanos) {}

    PulsarGroupStore(PulsarClient client, PulsarAdminRest admin, Settings settings, MeterRegistry registry) {
        this.client = client;
        this.settings = settings;
        this.self = WriterName.forThisProcess(settings.writerEndpoint());
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "pulsar-groups-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.topics = new GroupTopics(client, admin, settings);
        this.claimer =
                new GroupClaimer(client, admin, settings, self, topics, held, this::release, () -> closed, registry);
        this.resetter = new GroupReset(client, settings, self, topics);
        this.commits = Timer.builder("tributary.store.pulsar.group.commit")
                .description("Writes of consumer-group rows (checkpoints, lease grants) to Pulsar, until acknowledged")
                .register(registry);
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pulsar-groups-check");
            t.setDaemon(true);
            return t;
        });
        long every = settings.checkInterval().toNanos();
        checker.scheduleWithFixedDelay(this::check, every, every, TimeUnit.NANOSECONDS);
    }

    /** The group topic's local name. */
    static String localName(GroupKey key) {
        return TOPIC_PREFIX + key.stream() + "=" + key.group();
    }

    private String topic(GroupKey key) {
        return topics.topic(key);
    }

    /** This store's coordinator name (tests). */
    String producerName() {
        return self.producerName();
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void onLost(BiConsumer<GroupKey, String> listener) {
        this.lostListener = listener;
    }

    @Override
    public CompletableFuture<Claim> claim(GroupKey key) {
        return supply(() -> claimNow(key));
    }

    private Claim claimNow(GroupKey key) {
        Refused r = refused.get(key);
        if (r != null && System.nanoTime() - r.untilNanos() < 0) {
            return r.claim();
        }
        Claim c;
        try {
            c = claimer.take(key);
        } catch (IOException | RuntimeException e) {
            String why = "group " + key + ": its state in " + topic(key) + " cannot be had: " + e.getMessage();
            LOG.warn("{}", why);
            problems.put(key, new Problem(why, 0));
            return new Unavailable(why);
        }
        if (c instanceof Coordinating) {
            problems.remove(key);
            refused.remove(key);
        } else {
            if (c instanceof Unavailable u) {
                problems.put(key, new Problem("group " + key + ": not run anywhere known now: " + u.reason(), 0));
            } else {
                problems.remove(key); // another hub runs it: nothing wrong here
            }
            refused.put(key, new Refused(c, System.nanoTime() + REFUSED_NANOS));
        }
        claimer.counted(c);
        return c;
    }

    @Override
    public CompletableFuture<Map<String, CheckpointStore.Row>> read(GroupKey key) {
        return supply(() -> topics.read(key));
    }

    @Override
    public CompletableFuture<Void> commit(GroupKey key, List<CheckpointStore.Row> rows) {
        Held h = held.get(key);
        if (h == null) {
            return CompletableFuture.failedFuture(
                    new IOException("group " + key + " is not coordinated by this hub (any more)"));
        }
        long start = System.nanoTime();
        List<CompletableFuture<MessageId>> sends = new ArrayList<>();
        for (CheckpointStore.Row r : rows) {
            try {
                sends.add(h.producer
                        .newMessage()
                        .key(r.shardId())
                        .value(GroupTopics.encode(r))
                        .sendAsync());
            } catch (RuntimeException e) {
                sends.add(CompletableFuture.failedFuture(e));
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
        CompletableFuture<Void> done = all.handle((v, e) -> {
            if (e == null) {
                commits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return null;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            String why = "a write to " + topic(key) + " failed: " + cause.getMessage();
            lose(key, h, why);
            throw new CompletionException(new IOException(why, cause));
        });
        h.last = done;
        return done;
    }

    @Override
    public CompletableFuture<Void> sync(GroupKey key) {
        Held h = held.get(key);
        return h == null ? CompletableFuture.completedFuture(null) : h.last.handle((v, e) -> null);
    }

    @Override
    public boolean coordinates(GroupKey key) {
        return held.containsKey(key);
    }

    @Override
    public void release(GroupKey key) {
        Held h = held.remove(key);
        if (h != null) {
            h.producer.closeAsync().whenComplete((x, e) -> {
                if (e != null) {
                    LOG.debug("group {}: closing its producer: {}", key, e.toString());
                }
            });
            LOG.info("released consumer group {}", key);
        }
    }

    /** The group is no longer this hub's: forget the producer, tell the coordinator. Once per holding. */
    private void lose(GroupKey key, Held h, String why) {
        if (!held.remove(key, h)) {
            return;
        }
        h.producer.closeAsync();
        problems.put(
                key,
                new Problem(
                        "group " + key + ": lost its coordination here: " + why, System.nanoTime() + LOST_SHOWN_NANOS));
        LOG.warn("consumer group {}: this hub no longer coordinates it: {}", key, why);
        try {
            lostListener.accept(key, why);
        } catch (RuntimeException e) {
            LOG.warn("group {}: lost listener failed: {}", key, e.toString());
        }
    }

    /** Every check interval: a held group whose producer is disconnected (fenced, connection lost) is lost. */
    private void check() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            LOG.warn("consumer-group fence check failed (tried again in a moment): {}", e.toString());
        }
    }

    private void checkNow() {
        for (Map.Entry<GroupKey, Held> e : held.entrySet()) {
            if (!e.getValue().producer.isConnected()) {
                lose(
                        e.getKey(),
                        e.getValue(),
                        "its producer on " + topic(e.getKey()) + " is disconnected (fenced by"
                                + " another hub, or the broker connection lost)");
            }
        }
    }

    @Override
    public List<String> groupsOf(String stream) {
        try {
            return listGroups(stream);
        } catch (IOException e) {
            LOG.warn("cannot list the consumer groups of {}: {}", stream, e.getMessage());
            return List.of();
        }
    }

    @Override
    public List<String> listGroups(String stream) throws IOException {
        return topics.groupsOf(stream);
    }

    /** Lets go of the group here if held (quietly: no loss), then takes it from any coordinator and resets the rows. */
    @Override
    public CompletableFuture<Void> reset(GroupKey key) {
        return supply(() -> {
            release(key);
            resetter.reset(key);
            return null;
        });
    }

    @Override
    public List<String> problems() {
        long now = System.nanoTime();
        List<String> out = new ArrayList<>();
        for (Map.Entry<GroupKey, Problem> e : problems.entrySet()) {
            Problem p = e.getValue();
            if (p.untilNanos() != 0 && now - p.untilNanos() >= 0) {
                problems.remove(e.getKey(), p);
            } else {
                out.add(p.text());
            }
        }
        out.sort(null);
        return out;
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> CompletableFuture<T> supply(Call<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                if (f.isDone()) {
                    return; // cancelled while queued (a deletion's reset after its wait)
                }
                try {
                    f.complete(call.run());
                } catch (CompletionException e) {
                    f.completeExceptionally(e.getCause() != null ? e.getCause() : e);
                } catch (IOException | RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IOException("the group store is closed"));
        }
        return f;
    }

    /** Lets go of every group (other hubs may take them at once) and closes the Pulsar client. */
    @Override
    public void close() {
        closed = true;
        pool.shutdownNow();
        checker.shutdownNow();
        for (GroupKey key : List.copyOf(held.keySet())) {
            release(key);
        }
        try {
            // Waited for (a few seconds at most): the other hubs may take the groups as soon as the broker saw them go.
            client.closeAsync().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("closing the group store's Pulsar client: {}", e.toString());
        }
    }
}
