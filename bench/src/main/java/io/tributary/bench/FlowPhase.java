package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * One fan-in or fan-out load through a broker: {@link Subscribers} subscribe to {@code local/<kind>/#}, then the C
 * generator publishes tagged payloads ({@code LG_SEQ}) to {@code local/<kind>/g<c % 4>/d<c>} from its connections.
 * Delivered messages/s are what the subscribers received in the generator's measured window (their counter read when
 * the warm-up ends and when the window ends); afterwards the subscribers get a bounded time to receive the rest, and
 * the {@link DeliveryLedger} says which acknowledged publishes were missed or received twice. CPU use of the broker,
 * of this JVM (the subscribers) and of the generator says which side was the limit.
 *
 * @param published publishes the generator sent
 * @param acked of them acknowledged (QoS 1; 0 at QoS 0)
 * @param publishedPerSecond the generator's own rate (QoS 1: acknowledged in its measured window; QoS 0: whole run)
 * @param deliveredPerSecond PUBLISH packets the subscribers received per second of the measured window
 * @param delivered PUBLISH packets the subscribers received in all
 * @param expected deliveries due: acknowledged (QoS 1) or sent (QoS 0) publishes times the subscribers
 * @param missing of those, not received (QoS 1: acknowledged ones; QoS 0: lost, which QoS 0 allows)
 * @param duplicates copies of a message a subscriber already had (QoS 0 counts the generator's end fences here)
 * @param brokerCores CPU the broker used in the measured window, in cores
 * @param subscriberCores CPU this JVM (the subscribers) used in the window, in cores
 * @param generatorCores CPU the generator used over its run, in cores
 * @param lostSubscribers subscriber connections the broker closed
 * @param latency end-to-end latency of the probes sent in the measured window ({@link LatencyProbe})
 * @param brokerDropped the edge's {@code tributary_edge_mqtt_deliveries_dropped_total}, all reasons, over the whole
 *     phase (warm-up included); -1 for Mosquitto
 * @param brokerPublisherWaits the edge's {@code tributary_edge_mqtt_subscriber_waits_total} over the phase; -1 for
 *     Mosquitto
 */
record FlowPhase(
        String name,
        int qos,
        long published,
        long acked,
        double publishedPerSecond,
        double deliveredPerSecond,
        long delivered,
        long expected,
        long missing,
        long duplicates,
        double brokerCores,
        double subscriberCores,
        double generatorCores,
        int lostSubscribers,
        Latency latency,
        double brokerDropped,
        double brokerPublisherWaits)
        implements Phases.Result {

    /** Probe deliveries (one per subscriber and probe) and their latency percentiles in ms. */
    record Latency(long probes, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
        static Latency of(DeliveryLedger ledger) {
            return new Latency(
                    ledger.probes(),
                    ledger.latencyMs(50),
                    ledger.latencyMs(99),
                    ledger.latencyMs(99.9),
                    ledger.latencyMs(100));
        }
    }

    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long LATE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * Runs {@code publishers} generator connections against {@code subscribers} subscribers of {@code broker}.
     *
     * @param kind {@code in} or {@code out}: the topic level under {@code local/}
     */
    static FlowPhase run(
            String name, String kind, PubSubBroker broker, CLoadGen gen, LoadGenerator.Spec spec, int qos, int subs)
            throws IOException, InterruptedException {
        DeliveryLedger ledger = new DeliveryLedger(subs, spec.conns());
        String clients = "sub-" + kind + "-" + ProcessHandle.current().pid() + "-";
        long self = ProcessHandle.current().pid();
        try (Subscribers subscribers = Subscribers.open(
                broker.port(),
                subs,
                i -> clients + i,
                i -> "local/" + kind + "/#",
                qos,
                true,
                ledger,
                Duration.ofSeconds(60))) {
            double genCpu0 = ProcStats.exitedChildrenCpuSeconds(self);
            long launched = System.nanoTime();
            CompletableFuture<CLoadGen.Output> load = CompletableFuture.supplyAsync(() -> {
                try {
                    return gen.run(spec, new CLoadGen.Topics(qos, "local/" + kind + "/g%d/d%d", 4, true));
                } catch (IOException e) {
                    throw new CompletionException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            });
            Sample start = Sample.at(launched + (long) (spec.warmupSeconds() * 1e9), subscribers, broker, self, load);
            LatencyProbe probe =
                    LatencyProbe.start(broker.port(), "local/" + kind + "/probe", qos, spec.payloadBytes());
            Sample end;
            try {
                end = Sample.at(start.nanos + (long) (spec.durationSeconds() * 1e9), subscribers, broker, self, load);
            } finally {
                probe.close();
            }
            CLoadGen.Output out = await(load, spec.boundSeconds());
            double genSeconds = (System.nanoTime() - launched) / 1e9;
            double genCpu = ProcStats.exitedChildrenCpuSeconds(self) - genCpu0;
            long sent = out.result().sentTotal();
            long acked = out.result().ackedTotal();
            long expected = (qos == 1 ? acked : sent) * subs;
            awaitRest(subscribers, expected);
            // QoS 1: the acknowledged sequences of each connection are due; QoS 0 has no such ledger, only a total.
            Latency latency = subscribers.onLoop(() -> Latency.of(ledger));
            long[] figures = subscribers.onLoop(() -> new long[] {
                ledger.received(),
                qos == 1 ? ledger.missing(out.ackedPerConnection()) : expected - ledger.distinct(),
                ledger.duplicates(),
                ledger.untagged()
            });
            if (figures[3] > 0) {
                throw new IOException(figures[3] + " deliveries without the generator's tag");
            }
            double window = (end.nanos - start.nanos) / 1e9;
            return new FlowPhase(
                    name,
                    qos,
                    sent,
                    acked,
                    out.result().perSecond(),
                    (end.delivered - start.delivered) / window,
                    figures[0],
                    expected,
                    Math.max(0, figures[1]),
                    figures[2],
                    (end.brokerCpu - start.brokerCpu) / window,
                    (end.selfCpu - start.selfCpu) / window,
                    genCpu / genSeconds,
                    subscribers.lost(),
                    latency,
                    broker.counter("tributary_edge_mqtt_deliveries_dropped_total"),
                    broker.counter("tributary_edge_mqtt_subscriber_waits_total"));
        }
    }

    /** Waits until {@code expected} deliveries are in, or none came for 2 s, or 30 s passed. */
    private static void awaitRest(Subscribers subscribers, long expected) throws InterruptedException {
        long bound = System.nanoTime() + LATE_BOUND_NANOS;
        long last = subscribers.delivered();
        long lastChange = System.nanoTime();
        while (subscribers.delivered() < expected && System.nanoTime() < bound) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            long now = subscribers.delivered();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > QUIET_NANOS) {
                return;
            }
        }
    }

    private static CLoadGen.Output await(CompletableFuture<CLoadGen.Output> load, long boundSeconds)
            throws IOException, InterruptedException {
        try {
            return load.get(boundSeconds + 30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException("the load generator failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IOException("the load generator did not finish within " + boundSeconds + " s");
        }
    }

    /** The subscribers' count and the CPU times at a moment (parks until then; early when the load failed). */
    private record Sample(long nanos, long delivered, double brokerCpu, double selfCpu) {
        static Sample at(long when, Subscribers subs, PubSubBroker broker, long self, CompletableFuture<?> load) {
            for (long left; (left = when - System.nanoTime()) > 0 && !load.isCompletedExceptionally(); ) {
                LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return new Sample(
                    System.nanoTime(),
                    subs.delivered(),
                    ProcStats.cpuSeconds(broker.pid()),
                    ProcStats.cpuSeconds(self));
        }
    }

    /** The keys {@code <prefix>delivered_per_s}, {@code <prefix>missing}, ... */
    void json(JsonWriter w, String prefix) {
        w.field(prefix + "delivered_per_s", deliveredPerSecond)
                .field(prefix + "published_per_s", publishedPerSecond)
                .field(prefix + "published", published)
                .field(prefix + "acked", acked)
                .field(prefix + "delivered", delivered)
                .field(prefix + "expected", expected)
                .field(prefix + "missing", missing)
                .field(prefix + "duplicates", duplicates)
                .field(prefix + "broker_cores", brokerCores)
                .field(prefix + "subscriber_cores", subscriberCores)
                .field(prefix + "generator_cores", generatorCores)
                .field(prefix + "lost_subscribers", lostSubscribers)
                .field(prefix + "broker_dropped", brokerDropped)
                .field(prefix + "broker_publisher_waits", brokerPublisherWaits)
                .field(prefix + "latency_probes", latency.probes())
                .field(prefix + "latency_p50_ms", latency.p50Ms())
                .field(prefix + "latency_p99_ms", latency.p99Ms())
                .field(prefix + "latency_p999_ms", latency.p999Ms())
                .field(prefix + "latency_max_ms", latency.maxMs());
    }

    /** Whether the load CPU (subscribers and generator) was nearly full: then the broker was perhaps not the limit. */
    boolean loadSideSaturated() {
        return subscriberCores + generatorCores > 0.9;
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%,.0f delivered/s (published %,.0f/s); delivered %,d of %,d due, missing %,d, duplicates %,d;"
                        + " latency ms p50 %.2f p99 %.2f max %.2f; cores: broker %.2f, subscribers %.2f, generator"
                        + " %.2f%s",
                deliveredPerSecond,
                publishedPerSecond,
                delivered,
                expected,
                missing,
                duplicates,
                latency.p50Ms(),
                latency.p99Ms(),
                latency.maxMs(),
                brokerCores,
                subscriberCores,
                generatorCores,
                lostSubscribers > 0 ? "; " + lostSubscribers + " subscribers closed by the broker" : "");
    }
}
