package io.tributary.testsupport.netfault;

import com.google.common.util.concurrent.RateLimiter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy for tests that puts a bad network between a client and a server: it listens on a loopback port, opens
 * one connection to the target per accepted connection, and forwards bytes both ways while the test switches faults
 * on and off at run time:
 *
 * <ul>
 *   <li>{@link #latency}: every chunk is delivered {@code base + random(0..jitter)} after it was read, in order;
 *   <li>{@link #bandwidth}: at most that many bytes per second in each direction, shared by all connections;
 *   <li>{@link #stall}: nothing is forwarded for a while (bytes wait, nothing is lost, nothing is closed);
 *   <li>{@link #halfOpen}: the connections open now go silent for good: everything is dropped both ways and neither
 *       side is told (no FIN, no RST): a peer's close closes only its own side. New connections work, as after a NAT
 *       rebinding or a server that vanished;
 *   <li>{@link #resetMidStream}: each connection is reset (RST, SO_LINGER 0, both sides) after forwarding a random
 *       1..maxBytes more bytes, counted over both directions, so the cut falls inside a protocol frame;
 *   <li>{@link #uplinkDown}: every connection is reset and new ones are reset as soon as accepted, until up again.
 * </ul>
 *
 * <p>Threads: one acceptor, and four platform threads per connection (a reader and a writer per direction, so latency
 * does not throttle throughput); at most {@code maxConnections} connections, more are refused with a reset. The fault
 * switches are thread-safe and take effect for bytes not yet written.
 */
public final class NetFaultProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetFaultProxy.class);
    static final int DEFAULT_MAX_CONNECTIONS = 32;

    private final InetSocketAddress target;
    private final int maxConnections;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
    private final Object timing = new Object(); // wakes writers waiting out latency or a stall when faults change
    private final AtomicLong connectionIds = new AtomicLong();
    final Counters counters = new Counters();

    private volatile long latencyNanos;
    private volatile long jitterNanos;
    private volatile RateLimiter upstreamLimit; // null: unlimited
    private volatile RateLimiter downstreamLimit;
    private volatile long stallUntilNanos = System.nanoTime();
    private volatile int resetMaxBytes; // 0: off
    private volatile boolean uplinkDown;
    private volatile boolean closed;

    private NetFaultProxy(InetSocketAddress target, int maxConnections) throws IOException {
        this.target = target;
        this.maxConnections = maxConnections;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "netfault-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
    }

    /** A proxy on a free loopback port forwarding to {@code target}, with no fault on. */
    public static NetFaultProxy start(InetSocketAddress target) throws IOException {
        return start(target, DEFAULT_MAX_CONNECTIONS);
    }

    /** As {@link #start(InetSocketAddress)} with at most {@code maxConnections} open connections. */
    public static NetFaultProxy start(InetSocketAddress target, int maxConnections) throws IOException {
        NetFaultProxy p = new NetFaultProxy(target, maxConnections);
        p.acceptor.start();
        log.info("Net fault proxy on 127.0.0.1:{} forwarding to {}", p.port(), target);
        return p;
    }

    /** A proxy to {@code host:port} on loopback. */
    public static NetFaultProxy start(int targetPort) throws IOException {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as the hub endpoints configuration takes it. */
    public String endpoint() {
        return "127.0.0.1:" + port();
    }

    /** Added one-way delay of every chunk: {@code base} plus a uniform random {@code 0..jitter}; order is kept. */
    public void latency(Duration base, Duration jitter) {
        latencyNanos = base.toNanos();
        jitterNanos = jitter.toNanos();
        log.info("Net fault: latency {} ms + jitter up to {} ms", base.toMillis(), jitter.toMillis());
        wakeWriters();
    }

    /** Caps each direction at {@code bytesPerSecond} (all connections together); 0 removes the cap. */
    public void bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be >= 0, not " + bytesPerSecond);
        }
        upstreamLimit = bytesPerSecond == 0 ? null : RateLimiter.create(bytesPerSecond);
        downstreamLimit = bytesPerSecond == 0 ? null : RateLimiter.create(bytesPerSecond);
        log.info("Net fault: bandwidth {}", bytesPerSecond == 0 ? "unlimited" : bytesPerSecond + " bytes/s each way");
    }

    /** Forwards nothing for {@code d}, in both directions, without closing anything; bytes wait and are not lost. */
    public void stall(Duration d) {
        stallUntilNanos = System.nanoTime() + d.toNanos();
        log.info("Net fault: stall for {} ms", d.toMillis());
        wakeWriters();
    }

    /** Every connection open now goes silent for good (see the class comment); returns how many did. */
    public int halfOpen() {
        int n = 0;
        for (ProxiedConnection c : connections) {
            if (c.blackhole()) {
                n++;
            }
        }
        log.info("Net fault: {} connection(s) half-open from now on", n);
        wakeWriters();
        return n;
    }

    /**
     * While on ({@code maxBytes > 0}), each connection — open now or accepted later — is reset after forwarding a
     * random 1..maxBytes more bytes; 0 turns it off for connections not yet cut.
     */
    public void resetMidStream(int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, not " + maxBytes);
        }
        resetMaxBytes = maxBytes;
        for (ProxiedConnection c : connections) {
            c.resetBudget(resetBudget());
        }
        log.info("Net fault: reset mid-stream {}", maxBytes == 0 ? "off" : "after up to " + maxBytes + " bytes");
    }

    /** Down: resets every connection and every new one until {@code uplinkDown(false)}. */
    public void uplinkDown(boolean down) {
        uplinkDown = down;
        if (down) {
            for (ProxiedConnection c : connections) {
                c.reset("uplink down");
            }
        }
        log.info("Net fault: uplink {}", down ? "down" : "up");
    }

    /** Removes latency, bandwidth cap, stall, resets and uplink outage (half-open connections stay dead). */
    public void clear() {
        latency(Duration.ZERO, Duration.ZERO);
        bandwidth(0);
        stall(Duration.ZERO);
        resetMidStream(0);
        uplinkDown(false);
    }

    /** A snapshot of what the proxy did so far. */
    public NetFaultStats stats() {
        return counters.snapshot(connections.size());
    }

    long resetBudget() {
        int max = resetMaxBytes;
        return max == 0 ? -1 : 1 + ThreadLocalRandom.current().nextInt(max);
    }

    long deliveryDueNanos(long readNanos) {
        long jitter = jitterNanos;
        return readNanos
                + latencyNanos
                + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(jitter + 1));
    }

    RateLimiter limiter(boolean upstream) {
        return upstream ? upstreamLimit : downstreamLimit;
    }

    /** Blocks until {@code dueNanos} has passed and no stall is on; returns false if the proxy closed. */
    boolean awaitSendable(long dueNanos) throws InterruptedException {
        synchronized (timing) {
            while (!closed) {
                long now = System.nanoTime();
                long until = Math.max(dueNanos, stallUntilNanos);
                if (until - now <= 0) {
                    return true;
                }
                long waitNanos = until - now;
                timing.wait(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
            }
            return false;
        }
    }

    private void wakeWriters() {
        synchronized (timing) {
            timing.notifyAll();
        }
    }

    void removed(ProxiedConnection c) {
        connections.remove(c);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("Net fault proxy on port {} stopped accepting: {}", port(), e.toString());
                }
                return;
            }
            counters.accepted.incrementAndGet();
            if (uplinkDown || connections.size() >= maxConnections) {
                counters.refused.incrementAndGet();
                log.debug("Refused a connection ({})", uplinkDown ? "uplink down" : "too many connections");
                ProxiedConnection.resetQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                ProxiedConnection c =
                        new ProxiedConnection(this, connectionIds.incrementAndGet(), client, upstream, resetBudget());
                connections.add(c);
                c.start();
            } catch (IOException e) {
                counters.refused.incrementAndGet();
                log.info("Net fault proxy could not reach {}: {}; resetting the client", target, e.toString());
                ProxiedConnection.resetQuietly(client);
            }
        }
    }

    /** Stops accepting and resets every connection. */
    @Override
    public void close() {
        closed = true;
        wakeWriters();
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ProxiedConnection c : connections) {
                c.reset("proxy closed");
            }
        }
    }

    /** Counters shared with the connections. */
    static final class Counters {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong bytesUpstream = new AtomicLong();
        final AtomicLong bytesDownstream = new AtomicLong();
        final AtomicLong bytesDropped = new AtomicLong();
        final AtomicLong halfOpenClosedByClient = new AtomicLong();
        final AtomicLong halfOpenClosedByTarget = new AtomicLong();

        NetFaultStats snapshot(int open) {
            return new NetFaultStats(
                    accepted.get(),
                    refused.get(),
                    open,
                    resets.get(),
                    bytesUpstream.get(),
                    bytesDownstream.get(),
                    bytesDropped.get(),
                    halfOpenClosedByClient.get(),
                    halfOpenClosedByTarget.get());
        }
    }
}
