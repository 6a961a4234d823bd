package io.tributary.testsupport.netfault;

import com.google.common.util.concurrent.RateLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and its connection to the target, forwarded by two {@link Pump}s (client → target, target →
 * client), each a reader thread and a writer thread joined by a bounded queue: the reader stamps each chunk with the
 * time it is due (latency), the writer waits for it, for stalls and for bandwidth, and drops, cuts or writes it.
 *
 * <p>Thread rules: state changes ({@link #blackhole}, {@link #resetBudget}, {@link #reset}, closing a side) are
 * synchronized on this; the pumps' threads read the volatile flag {@link #blackholed}.
 */
final class ProxiedConnection {
    private static final Logger log = LoggerFactory.getLogger(ProxiedConnection.class);
    private static final int CHUNK_BYTES = 16 * 1024;
    private static final int QUEUE_CHUNKS = 64; // at most 1 MiB waiting per direction
    private static final byte[] EOF = new byte[0];
    private static final byte[] BROKEN = new byte[0];

    private final NetFaultProxy proxy;
    private final long id;
    private final Socket client;
    private final Socket upstream;
    private final Pump up;
    private final Pump down;
    private volatile boolean blackholed;
    private long resetBudget; // bytes still forwarded before the reset; -1: no reset planned
    private int endedDirections;
    private boolean clientClosed;
    private boolean upstreamClosed;
    private boolean finished;

    ProxiedConnection(NetFaultProxy proxy, long id, Socket client, Socket upstream, long resetBudget) {
        this.proxy = proxy;
        this.id = id;
        this.client = client;
        this.upstream = upstream;
        this.resetBudget = resetBudget;
        this.up = new Pump(true, client, upstream);
        this.down = new Pump(false, upstream, client);
    }

    void start() {
        up.start();
        down.start();
    }

    /** Makes this connection silent for good; false if it is already closed. */
    synchronized boolean blackhole() {
        if (finished) {
            return false;
        }
        blackholed = true;
        return true;
    }

    synchronized void resetBudget(long bytes) {
        resetBudget = bytes;
    }

    /** How many of {@code want} bytes may still go before the planned reset (all of them if none is planned). */
    private synchronized int take(int want) {
        if (resetBudget < 0) {
            return want;
        }
        int n = (int) Math.min(want, resetBudget);
        resetBudget -= n;
        return n;
    }

    private synchronized boolean resetDue() {
        return resetBudget == 0;
    }

    /** Closes both sockets with RST (SO_LINGER 0); idempotent. */
    void reset(String why) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        proxy.counters.resets.incrementAndGet();
        log.debug("Connection {} reset: {}", id, why);
        resetQuietly(client);
        resetQuietly(upstream);
        proxy.removed(this);
        // closing the sockets ends blocked reads; interrupting ends waits on a full queue or for a due time
        for (Pump p : new Pump[] {up, down}) {
            p.reader.interrupt();
            p.writer.interrupt();
        }
    }

    /** A pump saw the end of its source: pass the FIN on, or, if half-open, close only that side. */
    private void ended(Pump pump) {
        boolean closeBoth;
        synchronized (this) {
            if (finished) {
                return;
            }
            if (blackholed) {
                if (pump.upstream) {
                    clientClosed = true;
                    proxy.counters.halfOpenClosedByClient.incrementAndGet();
                } else {
                    upstreamClosed = true;
                    proxy.counters.halfOpenClosedByTarget.incrementAndGet();
                }
                closeQuietly(pump.src);
                closeBoth = clientClosed && upstreamClosed;
            } else {
                try {
                    pump.dst.shutdownOutput();
                } catch (IOException e) {
                    // the other side is gone as well; closing both below covers it
                }
                closeBoth = ++endedDirections == 2;
            }
            if (closeBoth) {
                finished = true;
            }
        }
        if (closeBoth) {
            log.debug("Connection {} closed by both sides", id);
            closeQuietly(client);
            closeQuietly(upstream);
            proxy.removed(this);
        }
    }

    static void resetQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing to reset
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all we wanted
        }
    }

    /** One direction: a reader thread filling the queue and a writer thread applying the faults. */
    private final class Pump {
        final boolean upstream;
        final Socket src;
        final Socket dst;
        final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        final Thread reader;
        final Thread writer;

        Pump(boolean upstream, Socket src, Socket dst) {
            this.upstream = upstream;
            this.src = src;
            this.dst = dst;
            String name = "netfault-" + proxy.port() + "-c" + id + (upstream ? "-up" : "-down");
            this.reader = new Thread(this::read, name + "-read");
            this.writer = new Thread(this::write, name + "-write");
            reader.setDaemon(true);
            writer.setDaemon(true);
        }

        void start() {
            reader.start();
            writer.start();
        }

        private void read() {
            byte[] buf = new byte[CHUNK_BYTES];
            try (InputStream in = src.getInputStream()) {
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        queue.put(new Chunk(EOF, 0));
                        return;
                    }
                    queue.put(new Chunk(Arrays.copyOf(buf, n), proxy.deliveryDueNanos(System.nanoTime())));
                }
            } catch (IOException e) {
                putQuietly(new Chunk(BROKEN, 0)); // reset by the peer, or closed by us
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // reset() ends the connection
            }
        }

        private void putQuietly(Chunk c) {
            try {
                queue.put(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // reset() ends the connection: nobody is left to take it
            }
        }

        private void write() {
            try {
                OutputStream out = dst.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    if (c.data == EOF || (c.data == BROKEN && blackholed)) {
                        ended(this);
                        return;
                    }
                    if (c.data == BROKEN) {
                        reset((upstream ? "client" : "target") + " connection broke; passing the reset on");
                        return;
                    }
                    if (!proxy.awaitSendable(c.dueNanos)) {
                        return;
                    }
                    if (blackholed) {
                        proxy.counters.bytesDropped.addAndGet(c.data.length);
                        continue;
                    }
                    if (!forward(out, c.data)) {
                        return;
                    }
                }
            } catch (IOException e) {
                reset("write to " + (upstream ? "target" : "client") + " failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // reset() interrupts the writers; it also closed the sockets
            }
        }

        /** Writes {@code data} in pieces the bandwidth cap allows; false once the planned reset happened. */
        private boolean forward(OutputStream out, byte[] data) throws IOException {
            int offset = 0;
            while (offset < data.length) {
                RateLimiter limit = proxy.limiter(upstream);
                int piece = data.length - offset;
                if (limit != null) {
                    // pieces of 1/20 s keep a low cap smooth and let a lifted cap take effect quickly
                    piece = (int) Math.max(1, Math.min(piece, limit.getRate() / 20));
                    limit.acquire(piece);
                }
                int n = take(piece);
                if (n > 0) {
                    out.write(data, offset, n);
                    out.flush();
                    (upstream ? proxy.counters.bytesUpstream : proxy.counters.bytesDownstream).addAndGet(n);
                    offset += n;
                }
                if (resetDue()) {
                    reset("planned reset mid-stream");
                    return false;
                }
            }
            return true;
        }
    }

    private record Chunk(byte[] data, long dueNanos) {}
}
