package io.tributary.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The fallback load generator when the C one cannot be built: a lean raw MQTT 3.1.1 QoS 1 publisher on Netty, one
 * event-loop thread in this JVM, the same windowed and paced schedule as {@code mqtt_loadgen.c} (see {@link
 * JavaLoadRun}), PUBACK latencies in an HdrHistogram. It honours {@code stop}, so it also serves as the live load of
 * the drain phase. Thread-safe: every run has its own event loop.
 */
final class JavaLoadGen implements LoadGenerator {
    private static final AtomicInteger RUNS = new AtomicInteger();

    @Override
    public String name() {
        return "java";
    }

    @Override
    public LoadResult run(Spec spec, BooleanSupplier stop) throws IOException, InterruptedException {
        return run(spec, stop, new AtomicLong());
    }

    /** As {@link #run(Spec, BooleanSupplier)}, counting every PUBACK in {@code acked} as it arrives. */
    LoadResult run(Spec spec, BooleanSupplier stop, AtomicLong acked) throws IOException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        String clients = "jlg-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        try {
            return new JavaLoadRun(spec, stop, group.next(), clients, acked)
                    .start()
                    .get(spec.boundSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("the Java load generator failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the Java load generator did not finish within " + spec.boundSeconds() + " s");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }
}
