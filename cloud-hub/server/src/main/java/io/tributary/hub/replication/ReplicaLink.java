package io.tributary.hub.replication;

import io.netty.channel.EventLoop;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionListener;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamMessages;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.ReplicaOffer;
import io.tributary.protocol.v1.Welcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home's connection to one replica region's hub: a reconnecting {@link HubSession} (role {@code
 * PEER_ROLE_REPLICA}) on which this hub offers every stream it is home of that lists the region, then ships each shard
 * the replica follows ({@link ShardShipper}). The replica's answers (follow, ack, refusal) arrive on the same
 * connection.
 *
 * <p>Thread rules: everything runs on the link's event loop; {@link #offer}, {@link #withdraw} and {@link #close} hop
 * onto it from any thread.
 */
final class ReplicaLink implements HubSessionListener {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLink.class);

    private final Replicator home;
    private final String region;
    private final HubEndpoint endpoint;
    private final EventLoop loop;
    private final HubSession session;
    private final Map<String, StreamDefinition> offered = new HashMap<>();
    /** The names in {@code offered}, kept in step by the callers' thread (the replicator's links lock). */
    private final java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Map<ShardKey, ShardShipper> shippers = new HashMap<>();
    private String state = "connecting";

    ReplicaLink(Replicator home, ClientResources resources, String region, HubEndpoint endpoint) {
        this.home = home;
        this.region = region;
        this.endpoint = endpoint;
        this.loop = resources.group().next();
        ClientOptions.Builder options = ClientOptions.builder(java.util.List.of(endpoint))
                .clientName("tributary-hub/" + home.hubId() + " replication")
                // A frame of batches holds at least one whole stored batch (up to max-frame-bytes) plus its header.
                .maxFrameBytes(home.maxFrameBytes() + 64 * 1024)
                .keepAlive(home.replicationConfig().keepAlive());
        home.replicationConfig().token().ifPresent(options::token);
        if (home.replicationConfig().tls()) {
            options.tls(true);
            home.replicationConfig().trustCertificates().ifPresent(options::trustCertificates);
        }
        this.session = HubSession.builder(
                        resources, options.build(), PeerRole.PEER_ROLE_REPLICA, "replication/" + home.region())
                .executor(loop)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .retryRefusals()
                .build(this);
    }

    void start() {
        session.start();
    }

    String region() {
        return region;
    }

    Replicator home() {
        return home;
    }

    void execute(Runnable task) {
        loop.execute(task);
    }

    void schedule(Runnable task, long delayMillis) {
        loop.schedule(task, delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    boolean connected() {
        return session.isConnected();
    }

    void send(Frame frame) {
        session.send(frame);
    }

    /** Sends from any thread when connected; dropped otherwise (the next connect or follow sends it again). */
    void sendIfConnected(Frame frame) {
        execute(() -> {
            if (connected()) {
                send(frame);
            }
        });
    }

    /** Offers (again) the current version of a stream this hub is home of. */
    void offer(StreamDefinition stream) {
        names.add(stream.name());
        execute(() -> {
            offered.put(stream.name(), stream);
            // Lag is shown from the offer on: until the replica says where it is, it lacks everything.
            for (var shard : stream.shards()) {
                ShardKey key = new ShardKey(stream.name(), shard.id());
                if (!shippers.containsKey(key)) {
                    lag(key).state = connected() ? "offered" : state;
                }
            }
            if (connected()) {
                sendOffer(stream);
            }
        });
    }

    /** Stops replicating a stream over this link (deleted, or this hub is no longer its home). */
    void withdraw(String stream) {
        names.remove(stream);
        execute(() -> {
            offered.remove(stream);
            shippers.entrySet().removeIf(e -> {
                if (!e.getKey().stream().equals(stream)) {
                    return false;
                }
                e.getValue().pause("withdrawn");
                home.notifier().remove(e.getKey(), e.getValue());
                return true;
            });
        });
    }

    /** No stream is offered over this link any more. Called by the replicator under its links lock. */
    boolean idle() {
        return names.isEmpty();
    }

    private LagBoard.Entry lag(ShardKey key) {
        return home.lags().entry(key, region, () -> home.highWaterMark(key));
    }

    /** Shows {@code why} as the state of every offered shard not being shipped right now. */
    private void markWaiting(String why) {
        offered.values()
                .forEach(stream -> stream.shards().forEach(shard -> {
                    ShardKey key = new ShardKey(stream.name(), shard.id());
                    if (!shippers.containsKey(key)) {
                        lag(key).state = why;
                    }
                }));
    }

    private void sendOffer(StreamDefinition stream) {
        session.send(Frame.newBuilder()
                .setReplicaOffer(ReplicaOffer.newBuilder()
                        .setStream(StreamMessages.toDescription(stream))
                        .setFromRegion(home.region()))
                .build());
    }

    @Override
    public void connected(HubEndpoint ep, Welcome welcome) {
        if (!welcome.getRegion().equals(region)) {
            log.error(
                    "replication: {} is in region {}, but streams name it as region {}; not replicating to it",
                    ep,
                    welcome.getRegion(),
                    region);
            state = "refused: the hub at " + ep + " is in region " + welcome.getRegion();
            shippers.values().forEach(s -> s.pause(state));
            markWaiting(state);
            session.disconnect();
            return;
        }
        state = "following";
        log.info("replication: connected to region {} at {}; offering {} stream(s)", region, ep, offered.size());
        offered.values().forEach(this::sendOffer);
        home.carried().grantsOffer().forEach(session::send);
    }

    @Override
    public void lost(HubEndpoint ep, String reason, long retryInMillis) {
        state = "connecting: " + reason;
        log.warn("replication: lost region {} at {}: {}; retrying in {} ms", region, ep, reason, retryInMillis);
        shippers.values().forEach(s -> s.pause(state));
        markWaiting(state);
    }

    @Override
    public void attemptFailed(HubEndpoint ep, String reason, long retryInMillis) {
        state = "connecting: " + reason;
        log.debug("replication: cannot reach region {} at {}: {}", region, ep, reason);
        markWaiting(state);
    }

    @Override
    public void refused(HubEndpoint ep, HubClientException e) {
        state = "refused: " + e.getMessage();
        log.error("replication: region {} at {} refused this hub: {}", region, ep, e.getMessage());
        markWaiting(state);
    }

    @Override
    public void otherFrame(Frame frame) {
        switch (frame.getBodyCase()) {
            case REPLICA_FOLLOW -> {
                if (!shippers.containsKey(new ShardKey(
                        frame.getReplicaFollow().getStream(),
                        frame.getReplicaFollow().getShardId()))) {
                    // First follow of this shard on this connection: the replica gets the group checkpoints too.
                    home.carried().checkpointsOf(frame.getReplicaFollow().getStream()).stream()
                            .filter(f -> f.getReplicaCheckpoint()
                                    .getShardId()
                                    .equals(frame.getReplicaFollow().getShardId()))
                            .forEach(session::send);
                }
                var f = frame.getReplicaFollow();
                StreamDefinition stream = offered.get(f.getStream());
                if (stream == null || stream.shard(f.getShardId()).isEmpty()) {
                    log.warn(
                            "replication: region {} follows {}/{}, which is not offered",
                            region,
                            f.getStream(),
                            f.getShardId());
                    return;
                }
                ShardKey key = new ShardKey(f.getStream(), f.getShardId());
                ShardShipper shipper = shippers.computeIfAbsent(key, k -> {
                    ShardShipper s =
                            new ShardShipper(k, this, home.lags().entry(k, region, () -> home.highWaterMark(k)));
                    home.notifier().add(k, s);
                    return s;
                });
                log.info("replication: region {} follows {} from {}", region, key, f.getFromSequence());
                shipper.follow(
                        f.getFromSequence(),
                        f.getGeneration(),
                        f.hasPreviousBatchCrc() ? f.getPreviousBatchCrc() : null);
            }
            case REPLICA_ACK -> {
                var a = frame.getReplicaAck();
                ShardShipper s = shippers.get(new ShardKey(a.getStream(), a.getShardId()));
                if (s != null) {
                    s.acked(a.getNextSequence());
                }
            }
            case REPLICA_REFUSED -> home.refusedBy(region, frame.getReplicaRefused());
            case REPLICA_HANDOVER ->
                home.handover().handOver(frame.getReplicaHandover().getStream(), this);
            default -> log.debug("replication: ignoring {} from region {}", frame.getBodyCase(), region);
        }
    }

    String state() {
        return state;
    }

    void close() {
        session.close();
        execute(() -> shippers.forEach((k, s) -> home.notifier().remove(k, s)));
    }
}
