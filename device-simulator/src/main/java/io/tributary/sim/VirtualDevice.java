package io.tributary.sim;

import io.tributary.sim.ack.AckLatency;
import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.device.DeviceClient;
import io.tributary.sim.payload.PayloadCodec;
import java.time.Clock;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One simulated device: its connection, its topic and its sequence (through the {@link AckLedger}).
 *
 * <p>Threads: {@link #publish} only from the pacing thread, which keeps each device's sequence in send order;
 * connection methods from the pacing thread; state changes also arrive from client callback threads, hence the
 * atomic state.
 */
final class VirtualDevice {

    enum State {
        IDLE,
        CONNECTING,
        CONNECTED,
        DRAINING,
        DISCONNECTING,
        OFFLINE
    }

    final int index;
    final String topic;
    private final Runtime rt;
    private DeviceClient client;
    private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);
    private final AtomicInteger inflight = new AtomicInteger();
    /** Pacing-thread fields: when to reconnect, since when draining, whether churn took it offline. */
    long reconnectAtNanos;

    long drainingSinceNanos;
    boolean churned;
    boolean waitingToReconnect;

    /** What all devices of a run share. */
    record Runtime(
            SimConfig config,
            AckLedger ledger,
            AckLatency latency,
            SimCounters counters,
            PayloadCodec codec,
            Clock clock,
            Queue<VirtualDevice> wentOffline) {}

    VirtualDevice(int index, String topic, Runtime rt) {
        this.index = index;
        this.topic = topic;
        this.rt = rt;
    }

    void attach(DeviceClient client) {
        this.client = client;
    }

    State state() {
        return state.get();
    }

    int inflight() {
        return inflight.get();
    }

    boolean canPublish() {
        return state.get() == State.CONNECTED;
    }

    /** Starts a connection attempt; the future (completed on a client thread) says whether it succeeded. */
    CompletableFuture<Boolean> connect() {
        state.set(State.CONNECTING);
        return client.connect().handle((v, error) -> {
            if (error == null && state.compareAndSet(State.CONNECTING, State.CONNECTED)) {
                rt.counters().connects.increment();
                rt.counters().connected.incrementAndGet();
                return true;
            }
            rt.counters().connectFailures.increment();
            state.set(State.OFFLINE);
            rt.wentOffline().add(this);
            return false;
        });
    }

    /** Called by the client when a connection ends; only an end we did not ask for is counted. */
    void onDisconnected() {
        if (state.compareAndSet(State.CONNECTED, State.OFFLINE) || state.compareAndSet(State.DRAINING, State.OFFLINE)) {
            rt.counters().connected.decrementAndGet();
            rt.counters().unexpectedDisconnects.increment();
            rt.wentOffline().add(this);
        }
    }

    /** Stops publishing (pacing skips it) so it can leave once its in-flight publishes are acknowledged. */
    boolean startDraining(long nowNanos) {
        drainingSinceNanos = nowNanos;
        return state.compareAndSet(State.CONNECTED, State.DRAINING);
    }

    /** Disconnects gracefully; afterwards the device is OFFLINE. */
    CompletableFuture<Void> disconnect() {
        State before = state.getAndSet(State.DISCONNECTING);
        if (before == State.CONNECTED || before == State.DRAINING) {
            rt.counters().connected.decrementAndGet();
        }
        return client.disconnect().whenComplete((v, e) -> {
            state.set(State.OFFLINE);
            rt.wentOffline().add(this);
        });
    }

    /** Publishes the next message of this device. */
    void publish() {
        boolean needsAck = rt.config().needsAck();
        int qos = rt.config().qos();
        long seq = rt.ledger().register(index, needsAck);
        Instant now = rt.clock().instant();
        long sendMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        byte[] payload = rt.codec().encode(index, seq, sendMicros);
        long startNanos = System.nanoTime();
        if (needsAck) {
            inflight.incrementAndGet();
            rt.counters().inflight.incrementAndGet();
        }
        rt.counters().published.increment();
        client.publish(topic, payload, qos).whenComplete((ack, error) -> {
            if (needsAck) {
                inflight.decrementAndGet();
                rt.counters().inflight.decrementAndGet();
            }
            if (error != null) {
                rt.counters().failed.increment();
                rt.ledger().failed(index, seq, cause(error));
            } else if (!needsAck) {
                return;
            } else if (ack.success()) {
                rt.latency().record((System.nanoTime() - startNanos) / 1000);
                rt.counters().acked.increment();
                rt.ledger().acked(index, seq);
            } else {
                rt.counters().refused.increment();
                rt.ledger().refused(index, seq, ack.reasonCode());
            }
        });
    }

    private static String cause(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t.getClass().getSimpleName();
    }
}
