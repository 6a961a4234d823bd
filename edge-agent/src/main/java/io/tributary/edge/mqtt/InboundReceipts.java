package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.session.Qos2Receipts;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound QoS 2 exactly once across an agent crash, for persistent sessions: the receipt of a stored publish ({@link
 * Qos2Receipts}) is committed with its record, restored into its session at start, voided before PUBCOMP, and a fresh
 * session voids its client's old ones before its CONNACK. Without durable sessions, or with a sink that keeps no
 * markers, it only hands publishes to the sink (exactly once then holds across reconnects, not across a crash).
 *
 * <p>Threads: any; the stages complete on the sink's threads.
 */
final class InboundReceipts {

    private static final Logger log = LoggerFactory.getLogger(InboundReceipts.class);
    private static final CompletableFuture<Boolean> RELEASED = CompletableFuture.completedFuture(true);

    private final PublishSink sink;
    private final MarkingSink marking; // null: disabled
    private final Qos2Receipts receipts;
    private final Counter full;

    private InboundReceipts(PublishSink sink, MarkingSink marking, Qos2Receipts receipts, Counter full) {
        this.sink = sink;
        this.marking = marking;
        this.receipts = receipts;
        this.full = full;
    }

    /** Receipts kept in {@code sink}'s markers when sessions are durable and it keeps markers; otherwise none. */
    static InboundReceipts create(PublishSink sink, boolean durableSessions, MeterRegistry registry) {
        if (!durableSessions || !(sink instanceof MarkingSink marking)) {
            return new InboundReceipts(sink, null, null, null);
        }
        Qos2Receipts receipts = new Qos2Receipts(marking::mark);
        Gauge.builder("tributary.edge.mqtt.qos2.receipts", receipts, Qos2Receipts::live)
                .description("Inbound QoS 2 publishes of persistent sessions stored and not yet released (PUBREL),"
                        + " remembered across a restart")
                .register(registry);
        Counter full = Counter.builder("tributary.edge.mqtt.qos2.receipts.full")
                .description("QoS 2 publishes of persistent sessions stored without a receipt (65,536 held at once):"
                        + " resent after a crash, such a publish would be stored twice")
                .register(registry);
        return new InboundReceipts(sink, marking, receipts, full);
    }

    /** Stores a QoS 2 publish; for a persistent session with its receipt, in the same commit. */
    CompletionStage<SinkResult> store(Session session, InboundPublish publish, int packetId) {
        if (marking == null || session.queue() == null) {
            return InboundPublish.offer(sink, publish);
        }
        Qos2Receipts.Write receipt = receipts.storing(Qos2Receipts.key(session.clientId()), packetId);
        if (receipt.isEmpty()) {
            full.increment();
            log.warn("QoS 2 publish of {} stored without a receipt: {} are held", session.clientId(), receipts.live());
            return InboundPublish.offer(sink, publish);
        }
        CompletionStage<SinkResult> stored;
        try {
            stored = marking.store(publish, receipt.marks());
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        return stored.whenComplete((result, error) -> {
            if (error == null && result == SinkResult.STORED) {
                receipts.committed(receipt);
            } else if (error == null && result != SinkResult.IO_ERROR && result != SinkResult.FAILED) {
                receipts.failed(receipt); // refused before anything was written
            } else {
                // an I/O error may have left the receipt on disk: void it before its slot is used again
                voided(receipts.abandoning(receipt), session.clientId());
            }
        });
    }

    /**
     * PUBREL of a packet id, {@code known} when the session held it: completes true once its receipt is void (at once
     * when it has none), false when the void could not be made durable (then PUBCOMP must wait: the client may reuse
     * the id after it).
     */
    CompletableFuture<Boolean> release(Session session, int packetId, boolean known) {
        if (!known || marking == null || session.queue() == null) {
            return RELEASED;
        }
        Qos2Receipts.Write voids = receipts.releasing(Qos2Receipts.key(session.clientId()), packetId);
        return voids.isEmpty() ? RELEASED : voided(voids, session.clientId());
    }

    /**
     * {@code session} becomes persistent: the receipts of an earlier session of its client are voided (its packet ids
     * start anew), and the ids it already holds stored (it was not persistent until a takeover made it so: their
     * records are durable, so their receipts are true) get receipts. Completes once durable; exceptionally when not.
     */
    CompletableFuture<Void> fresh(Session session) {
        if (marking == null) {
            return CompletableFuture.completedFuture(null);
        }
        String clientId = session.clientId();
        long key = Qos2Receipts.key(clientId);
        Qos2Receipts.Write voids = receipts.voiding(key);
        Map<String, LanePosition> marks = new HashMap<>(voids.marks());
        for (int packetId : session.storedQos2()) {
            Qos2Receipts.Write receipt = receipts.storing(key, packetId); // a later write than a void of its slot
            if (receipt.isEmpty()) {
                full.increment();
            }
            marks.putAll(receipt.marks());
        }
        if (marks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        log.info(
                "New persistent session of {}: voiding {} QoS 2 receipts of its previous one, {} written",
                clientId,
                voids.marks().size(),
                marks.size() - voids.marks().size());
        return voided(new Qos2Receipts.Write(marks), clientId).thenAccept(ok -> {
            if (!ok) {
                throw new IllegalStateException("the buffer refused the QoS 2 receipts of " + clientId);
            }
        });
    }

    /** At start: the packet ids a restored persistent session holds between PUBREC and PUBREL; how many. */
    int restore(Session session) {
        if (marking == null) {
            return 0;
        }
        int n = 0;
        for (int packetId : receipts.held(Qos2Receipts.key(session.clientId()))) {
            session.restoreQos2(packetId);
            n++;
        }
        return n;
    }

    /** The session ended: its receipts are voided now (not waited for; {@link #fresh} is the safety net). */
    void ended(String clientId) {
        if (marking != null) {
            Qos2Receipts.Write voids = receipts.voiding(Qos2Receipts.key(clientId));
            if (!voids.isEmpty()) {
                voided(voids, clientId);
            }
        }
    }

    private CompletableFuture<Boolean> voided(Qos2Receipts.Write voids, String clientId) {
        if (voids.isEmpty()) {
            return RELEASED;
        }
        CompletionStage<SinkResult> stage;
        try {
            stage = marking.mark(voids.marks());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((result, error) -> {
                    if (error == null && result == SinkResult.STORED) {
                        receipts.committed(voids);
                        return true;
                    }
                    receipts.failed(voids);
                    log.warn(
                            "Cannot void QoS 2 receipts of {} ({})",
                            clientId,
                            error != null ? error.toString() : result);
                    return false;
                })
                .toCompletableFuture();
    }
}
