package io.tributary.edge.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages on their way to one connected subscriber: a bounded queue, then PUBLISH at QoS 0, 1 or 2 within the
 * subscriber's in-flight window (its MQTT 5 Receive Maximum, at most {@link MqttServerConfig#subscriberInFlight()}),
 * and the PUBACK / PUBREC-PUBREL-PUBCOMP exchanges that free the window.
 *
 * <p>{@link #offer} never blocks; past half of {@link MqttServerConfig#subscriberQueue()} messages waiting, a
 * publisher that stays on the gateway pauses its reads for a bounded time ({@link SubscriberWait}) until the queue is
 * down to a quarter; beyond the queue bound a message is dropped. The retained messages of a new
 * subscription are not queued: {@link #offerRetained} hands them to a {@link RetainedReplay} that the drain pulls from
 * first, so any number of them is delivered. Every drop is counted in
 * {@code tributary_edge_mqtt_deliveries_dropped_total{reason}} and logged ({@link DeliveryDrops}): {@code queue_full},
 * {@code expired} (Message Expiry Interval over before it could be sent), {@code too_large_for_client} (over the
 * subscriber's Maximum Packet Size), {@code disconnected} (queued or unacknowledged when the connection closed).
 *
 * <p>A persistent session's QoS 1/2 messages ({@link Delivery#stored()}) are the exception: they stay in the
 * session's {@link SessionQueue} (bounded there, not by the queue limit here) until the client acknowledges them, keep
 * the packet id they were queued with, and on a new connection {@link #resume} sends them again in order, with DUP
 * when they may have been sent before, or PUBREL for a QoS 2 message the client already answered with PUBREC.
 *
 * <p>Threads: {@link #offer} from any thread; everything else on the channel's event loop.
 */
final class Outbound {

    private static final Logger log = LoggerFactory.getLogger(Outbound.class);

    /**
     * One message for this subscriber, its QoS already lowered to the granted one; {@code stored} is its entry in a
     * persistent session's queue, null for the others.
     */
    record Delivery(
            LocalMessage message, int qos, boolean retain, List<Integer> subscriptionIds, SessionQueue.Entry stored) {

        Delivery(LocalMessage message, int qos, boolean retain, List<Integer> subscriptionIds) {
            this(message, qos, retain, subscriptionIds, null);
        }

        Delivery stored(SessionQueue.Entry entry) {
            return new Delivery(message, qos, retain, subscriptionIds, entry);
        }
    }

    private static final class InFlight {
        final Delivery delivery;
        boolean released; // PUBREC received, PUBREL sent: waiting for PUBCOMP

        InFlight(Delivery delivery) {
            this.delivery = delivery;
        }
    }

    private final Channel channel;
    private final ServerContext server;
    private final MqttConnection connection;
    private final Session session;
    private final int window;
    private final QueueRoom room;
    private final ConcurrentLinkedQueue<Delivery> offered = new ConcurrentLinkedQueue<>(); // any thread → event loop
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable scheduledDrain = this::scheduledDrain;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final RetainedReplay retained = new RetainedReplay();
    private final IntObjectHashMap<InFlight> inFlight = new IntObjectHashMap<>();
    private int nextPacketId = 1;
    private boolean closed;

    Outbound(Channel channel, ServerContext server, MqttConnection connection) {
        this.channel = channel;
        this.server = server;
        this.connection = connection;
        this.session = connection.session();
        this.window =
                Math.min(connection.clientReceiveMaximum(), server.config().subscriberInFlight());
        this.room =
                new QueueRoom(server.config().subscriberQueue(), server.config().subscriberQueueBytes());
    }

    /**
     * Queues a delivery; drops it (counted) when the queue is full or the connection is gone. Any thread; {@code
     * publisher} (null: none) is asked to wait when the queue is past half full ({@link SubscriberWait}), on its loop.
     *
     * <p>Offers meet in a lock-free queue and one task on the event loop sends all that arrived meanwhile, with one
     * flush: a task and a flush (a write system call) per message would cap a subscriber fed by many publishers at a
     * small fraction of what its socket takes.
     */
    void offer(Delivery delivery, SubscriberWait publisher) {
        if (!room.take(delivery.stored() != null, delivery.message().payload().length)) {
            drop(delivery, "queue_full");
            // full while this publisher was not waiting (woken with others, or before its pause): wait now, or every
            // other publish of its current read would be dropped too
            askToWait(publisher);
            return;
        }
        offered.add(delivery);
        if (!room.pressed()) {
            drainSoon();
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            // a publisher on this subscriber's own loop: under pressure, send now rather than after the loop's
            // reads, which could fill the queue many times over before the scheduled drain runs
            drain();
        } else {
            drainSoon();
        }
        askToWait(publisher);
    }

    private void askToWait(SubscriberWait publisher) {
        if (publisher != null && room.publisherShouldWait()) {
            publisher.waitFor(room, connection.clientId());
        }
    }

    /** Drains on the event loop once the current work there is done, batching what arrives until then. */
    private void drainSoon() {
        if (!drainScheduled.compareAndSet(false, true)) {
            return; // a drain is due: it takes this one too
        }
        try {
            channel.eventLoop().execute(scheduledDrain);
        } catch (RejectedExecutionException e) {
            drainScheduled.set(false);
            dropOffered(); // the event loop is shutting down
        }
    }

    private void scheduledDrain() {
        drainScheduled.set(false); // before taking the offers: one arriving after this schedules the next drain
        drain(); // after close it drops what was offered
    }

    private void dropOffered() {
        for (Delivery d = offered.poll(); d != null; d = offered.poll()) {
            room.release(d.stored() != null, d.message().payload().length);
            dropUnlessStored(d, "disconnected");
        }
        room.wakeAll(); // a publisher whose offer raced the close waits for nothing
    }

    /**
     * Sends the retained messages of a new subscription, granted {@code grantedQos}, as the window and the socket
     * allow ({@link RetainedReplay}); not bounded by the queue limit. Live messages wait until {@code scan} (which may
     * run off the event loop) has found them, so none overtakes an older retained one. Event loop.
     */
    void offerRetained(CompletionStage<List<LocalMessage>> scan, int grantedQos, List<Integer> subscriptionIds) {
        retained.expect();
        // on the loop, also when the scan is done already; refused only when the server stops (the replay with it)
        scan.thenAccept(messages -> channel.eventLoop().execute(() -> {
            retained.add(messages, grantedQos, subscriptionIds);
            if (closed) {
                retained.discard(d -> drop(d, "disconnected"));
            } else {
                drain();
            }
        }));
    }

    /**
     * Takes over a persistent session's unacknowledged messages (from {@link PersistentSessions#attach}), before any
     * new one; event loop. Released QoS 2 messages get their PUBREL again, the others are queued in order.
     */
    void resume(List<SessionQueue.Entry> entries) {
        boolean wrote = false;
        for (SessionQueue.Entry e : entries) {
            if (e.released) {
                InFlight f = new InFlight(e.delivery.stored(e));
                f.released = true;
                inFlight.put(e.packetId, f);
                channel.write(PublishAcks.pubRel(e.packetId, (byte) 0), channel.voidPromise());
                wrote = true;
            } else {
                queue.add(e.delivery.stored(e)); // stored: bounded by the session queue, not counted in the room
            }
        }
        if (wrote) {
            channel.flush();
        }
        drain();
    }

    /** Sends what the window and the socket allow. Also called when the channel becomes writable again. */
    void drain() {
        if (closed) {
            dropOffered();
            return;
        }
        for (Delivery d = offered.poll(); d != null; d = offered.poll()) {
            queue.add(d);
        }
        boolean wrote = false;
        while (!closed && channel.isWritable()) {
            Delivery d = retained.peek(); // retained first: a live message never overtakes an older retained one
            boolean live = d == null;
            if (live && (retained.awaited() || (d = queue.peek()) == null)) {
                break;
            }
            if (d.qos() > 0 && inFlight.size() >= window) {
                break; // in order: nothing overtakes a message waiting for the window
            }
            if (live) {
                queue.poll();
                room.release(d.stored() != null, d.message().payload().length);
            } else {
                retained.take();
            }
            SessionQueue.Entry stored = d.stored();
            if (stored != null && !queueHolds(stored)) {
                continue; // dropped from the session queue (bounds) or the session ended meanwhile
            }
            long now = server.clock().millis();
            if (d.message().expired(now)) {
                drop(d, "expired");
                continue;
            }
            int packetId = stored != null ? stored.packetId : d.qos() > 0 ? nextPacketId() : 0;
            if (d.qos() > 0 && packetId == 0) {
                drop(d, "queue_full"); // all 65,535 packet ids of the session are taken
                continue;
            }
            MqttProperties props = PublishEncoding.properties(d, now, connection.isV5());
            if (connection.clientMaxPacketSize() > 0
                    && PublishEncoding.encodedSize(d, props) > connection.clientMaxPacketSize()) {
                drop(d, "too_large_for_client");
                continue;
            }
            boolean dup = stored != null && stored.sent;
            if (stored != null) {
                stored.sent = true;
            }
            if (d.qos() > 0) {
                inFlight.put(packetId, new InFlight(d));
            }
            channel.write(
                    new MqttPublishMessage(
                            new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(d.qos()), d.retain(), 0),
                            new MqttPublishVariableHeader(d.message().topic(), packetId, props),
                            Unpooled.wrappedBuffer(d.message().payload())),
                    channel.voidPromise());
            server.metrics().delivered(d.qos());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
        room.drained();
    }

    /** PUBACK for an outgoing QoS 1 message. */
    void onPubAck(int packetId) {
        InFlight f = inFlight.get(packetId);
        if (f != null && f.delivery.qos() == 1) {
            inFlight.remove(packetId);
            finished(f.delivery, packetId);
            drainSoon(); // after the rest of this read: the acks it holds free the window for one flush
        }
    }

    /** PUBREC for an outgoing QoS 2 message: answer PUBREL, unless the client refused it (reason >= 0x80). */
    void onPubRec(int packetId, int reasonCode) {
        InFlight f = inFlight.get(packetId);
        if (f == null || f.delivery.qos() != 2) {
            // MQTT 5 §4.3.3: a PUBREC for an unknown id still gets a PUBREL (0x92 Packet Identifier not found)
            channel.writeAndFlush(
                    PublishAcks.pubRel(packetId, connection.isV5() ? (byte) 0x92 : 0), channel.voidPromise());
            return;
        }
        if (reasonCode >= 0x80) {
            inFlight.remove(packetId);
            finished(f.delivery, packetId);
            drainSoon(); // after the rest of this read: the acks it holds free the window for one flush
            return;
        }
        if (f.released) {
            return; // a second PUBREC while the first one's PUBREL waits for the journal
        }
        f.released = true;
        SessionQueue.Entry stored = f.delivery.stored();
        if (stored == null) {
            channel.writeAndFlush(PublishAcks.pubRel(packetId, (byte) 0), channel.voidPromise());
            return;
        }
        // journaled first: after a restart the message is resumed with PUBREL, never delivered twice
        server.persistentSessions().released(session, stored).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("Cannot journal the PUBREC of {} for {}; PUBREL withheld", packetId, connection.clientId());
                return;
            }
            channel.eventLoop().execute(() -> {
                if (!closed) {
                    channel.writeAndFlush(PublishAcks.pubRel(packetId, (byte) 0), channel.voidPromise());
                }
            });
        });
    }

    /** PUBCOMP ends an outgoing QoS 2 exchange. */
    void onPubComp(int packetId) {
        InFlight f = inFlight.get(packetId);
        if (f != null && f.released) {
            inFlight.remove(packetId);
            finished(f.delivery, packetId);
            drainSoon(); // after the rest of this read: the acks it holds free the window for one flush
        }
    }

    /**
     * The connection closed: what is queued or unacknowledged is dropped (counted), except a persistent session's
     * stored messages, which stay in its queue for the next connection.
     */
    void close() {
        closed = true;
        for (Delivery d : queue) {
            room.release(d.stored() != null, d.message().payload().length);
            dropUnlessStored(d, "disconnected");
        }
        queue.clear();
        dropOffered();
        retained.discard(d -> drop(d, "disconnected"));
        inFlight.forEach((packetId, f) -> {
            if (f.delivery.stored() == null) {
                drop(f.delivery, "disconnected");
                freePacketId(packetId);
            }
        });
        inFlight.clear();
        room.wakeAll(); // a closed subscriber holds no publisher back
    }

    /** A QoS 1/2 exchange ended: a stored message leaves its session's queue, an id returns to the session's pool. */
    private void finished(Delivery d, int packetId) {
        if (d.stored() != null) {
            server.persistentSessions().done(session, d.stored());
        } else {
            freePacketId(packetId);
        }
    }

    private boolean queueHolds(SessionQueue.Entry e) {
        SessionQueue q = session.queue();
        return q != null && q.contains(e);
    }

    private void dropUnlessStored(Delivery d, String reason) {
        if (d.stored() == null) {
            drop(d, reason);
        }
    }

    private void drop(Delivery d, String reason) {
        server.deliveryDrops().dropped(connection.clientId(), d.message().topic(), reason);
        if (d.stored() != null) {
            server.persistentSessions().done(session, d.stored()); // expired or too large: never deliverable
        }
    }

    private void freePacketId(int packetId) {
        SessionQueue q = session.queue();
        if (q != null) {
            q.freePacketId(packetId);
        }
    }

    private int nextPacketId() {
        SessionQueue q = session.queue();
        if (q != null) {
            return q.takePacketId(); // shared with the stored messages; 0 when none is free
        }
        int id = nextPacketId;
        while (inFlight.containsKey(id)) {
            id = id == 65535 ? 1 : id + 1;
        }
        nextPacketId = id == 65535 ? 1 : id + 1;
        return id;
    }
}
