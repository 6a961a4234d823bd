package io.tributary.edge;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.edge.aggregate.Aggregator;
import io.tributary.edge.bridge.BridgeConfig;
import io.tributary.edge.bridge.BrokerBridge;
import io.tributary.edge.buffer.BufferStatus;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LossReason;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.console.EdgeConsoleApi;
import io.tributary.edge.forward.Forwarder;
import io.tributary.edge.forward.ForwarderStatus;
import io.tributary.edge.ingest.BufferPublishSink;
import io.tributary.edge.mqtt.MqttServer;
import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.auth.AclFile;
import io.tributary.edge.mqtt.auth.PasswordFile;
import io.tributary.edge.registry.DeviceRegistry;
import io.tributary.edge.registry.RecordingSink;
import io.tributary.edge.state.WriteHealth;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.console.Console;
import io.tributary.protocol.console.ConsoleMetrics;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.metrics.MetricsHttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent process: durable buffer, forwarder draining it to the hub, aggregator turning raw lanes into
 * aggregates, MQTT endpoint writing into the buffer, optionally a bridge subscribing to another broker and writing
 * into the same buffer, and the metrics/health HTTP endpoint. {@link #start} brings them
 * up in that order; {@link #close} stops accepting first, then aggregating and forwarding, then closes the buffer, so
 * nothing acknowledged is lost on a clean stop.
 *
 * <p>Thread rules: {@code start} and {@code close} from one thread (not an event loop); accessors are thread-safe.
 */
public final class EdgeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EdgeAgent.class);

    private final EdgeConfig config;
    private final Clock clock;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ClientResources resources;
    private DurableBuffer buffer;
    private Forwarder forwarder;
    private Aggregator aggregator;
    private MqttServer mqtt;
    private BrokerBridge bridge;
    private MetricsHttpServer http;
    private DeviceRegistry devices;

    public EdgeAgent(EdgeConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        // like the hub's "hub" tag: which agent a series comes from, whatever Prometheus calls the target
        registry.config().commonTags("agent", config.agentId());
    }

    public synchronized EdgeAgent start() throws IOException, InterruptedException {
        try {
            io.tributary.protocol.fs.DurableDirs.create(config.dataDir());
            buffer = DurableBuffer.open(config.buffer(), clock, registry);
            log.info(
                    "Buffer {} open: epoch {}, {} records stored, quota {} bytes ({})",
                    config.buffer().directory(),
                    buffer.epoch(),
                    buffer.storedRecords(),
                    config.buffer().quotaBytes(),
                    config.buffer().overflowPolicy());
            resources = new ClientResources(1);
            forwarder = new Forwarder(
                    config.forwarder(), buffer, resources, config.hub(), config.agentId(), registry, clock);
            forwarder.start();
            // always running, even without rules: raw lanes left by an earlier configuration still get aggregated
            aggregator = new Aggregator(
                            buffer, config.aggregationGrace(), config.ttl(), clock, registry, forwarder::wakeUp)
                    .start();
            AccessConfig access = mqttAccess(config);
            devices = DeviceRegistry.open(config.dataDir().resolve("registry"), registry);
            BufferPublishSink buffered = new BufferPublishSink(
                    buffer,
                    config.ttl(),
                    forwarder::wakeUp,
                    config.forwarder().partitionByDevice(),
                    config.aggregation());
            RecordingSink sink = new RecordingSink(devices, buffered);
            mqtt = new MqttServer(config.mqtt(), access, sink, registry, clock);
            mqtt.start();
            if (config.bridge().isPresent()) {
                BridgeConfig b = config.bridge().get();
                bridge = BrokerBridge.create(b, sink, config.dataDir().resolve("bridge"), registry, clock)
                        .start();
                log.info("Bridging {} from {} as '{}'", b.topics(), b.url(), b.clientId());
            }
            if (config.metricsPort() >= 0) {
                EdgeConsoleApi api = new EdgeConsoleApi(
                        config.agentId(),
                        config.forwarder().stream(),
                        buffer,
                        forwarder,
                        mqtt,
                        devices,
                        registry,
                        clock);
                http = MetricsHttpServer.start(
                        config.metricsHost(),
                        config.metricsPort(),
                        registry::scrape,
                        this::health,
                        Optional.of(Console.create(
                                "io/tributary/edge/console/",
                                api,
                                Console.Authorizer.OPEN,
                                new ConsoleMetrics(registry))));
            }
            log.info(
                    "Edge agent {} up: MQTT {}, forwarding stream '{}' to {}",
                    config.agentId(),
                    mqtt.plainAddress().map(InetSocketAddress::toString).orElse("(tls only)"),
                    config.forwarder().stream(),
                    config.hub().endpoints());
            return this;
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The MQTT listener's access control: password file (PBKDF2 or older forms), ACL file, certificate identity, limits. */
    static AccessConfig mqttAccess(EdgeConfig config) throws IOException {
        AccessConfig.PasswordCheck passwords = (user, password) -> false;
        if (config.credentialsFile().isPresent()) {
            passwords = PasswordFile.load(config.credentialsFile().get())::verify;
        }
        AccessConfig access = AccessConfig.passwordsOnly(passwords)
                .withCertificateIdentity(config.mqttAccess().certificateIdentity())
                .withLimits(config.mqttAccess().limits());
        if (config.mqttAccess().aclFile().isPresent()) {
            Path file = config.mqttAccess().aclFile().get();
            access = access.withAcl(AclFile.load(file));
            log.info("MQTT ACL file {} loaded: whatever it does not allow is refused", file);
        } else {
            log.info("No MQTT ACL file (mqtt.acl-file): every client may publish and subscribe to every topic");
        }
        return access;
    }

    /**
     * The health answer: forwarder link and refusals, buffer state, contents, the loss ledger and the state stores.
     * Not healthy while the forwarder is not (see {@link ForwarderStatus#summary()}), the buffer refuses new records
     * ({@code degraded} while it still drains, {@code down} when its log cannot even be reopened) or a state store's
     * last commit failed ({@code degraded}: its changes were refused).
     */
    public MetricsHttpServer.Health health() {
        ForwarderStatus s = forwarder.status();
        BufferStatus b = buffer.status();
        List<WriteHealth.Status> state = stateHealth();
        String json = healthJson(
                config.agentId(),
                s,
                b,
                buffer.storedRecords(),
                buffer.storedBytes(),
                buffer.epoch(),
                buffer.epochGrant(),
                buffer.losses(),
                state);
        return new MetricsHttpServer.Health(
                s.healthy() && b.accepting() && state.stream().allMatch(WriteHealth.Status::ok), json);
    }

    /** The state stores' write health: retained messages and sessions (with a state directory), device registry. */
    private List<WriteHealth.Status> stateHealth() {
        List<WriteHealth.Status> state = new ArrayList<>();
        MqttServer m = mqtt;
        if (m != null) {
            m.stateHealth().forEach(h -> state.add(h.status()));
        }
        DeviceRegistry d = devices;
        if (d != null) {
            state.add(d.health().status());
        }
        return state;
    }

    /** The health document; every name and value escaped, so agent ids, endpoints and errors can say anything. */
    static String healthJson(
            String agentId,
            ForwarderStatus s,
            BufferStatus buffer,
            long records,
            long bytes,
            long epoch,
            long epochGrant,
            Map<LossReason, Long> losses,
            List<WriteHealth.Status> state) {
        boolean stateOk = state.stream().allMatch(WriteHealth.Status::ok);
        String status = !buffer.accepting()
                ? buffer.draining() ? "degraded" : "down"
                : !stateOk && s.healthy() ? "degraded" : s.summary();
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", status);
            g.writeStringField("agent", agentId);
            g.writeStringField("link", s.state().name());
            g.writeStringField("hub", s.endpoint());
            if (!s.lastError().isEmpty()) {
                g.writeStringField("lastError", s.lastError()); // only when there is one
            }
            g.writeArrayFieldStart("lanesRefused");
            for (String lane : s.lanesRefused()) {
                g.writeString(lane);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("buffer");
            g.writeStringField("state", buffer.state()); // online, disk_full, io_error
            if (!buffer.accepting()) {
                g.writeStringField("cause", buffer.cause());
                g.writeNumberField("offlineSinceMs", buffer.sinceMs());
                g.writeBooleanField("draining", buffer.draining());
            }
            g.writeNumberField("records", records);
            g.writeNumberField("bytes", bytes);
            g.writeNumberField("epoch", epoch);
            g.writeNumberField("epochGrant", epochGrant);
            g.writeEndObject();
            g.writeObjectFieldStart("state"); // the journals of retained messages, sessions, device registry
            for (WriteHealth.Status w : state) {
                g.writeObjectFieldStart(w.store());
                g.writeStringField("state", w.ok() ? "ok" : "write_failing");
                g.writeNumberField("failures", w.failures());
                if (!w.ok()) {
                    g.writeStringField("lastError", w.lastError());
                    g.writeNumberField("failingSinceMs", w.failingSinceMs());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("losses");
            for (Map.Entry<LossReason, Long> e : losses.entrySet()) {
                g.writeNumberField(e.getKey().tag(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** The hub's epoch grant held by the buffer (0 before the first connection to a hub). */
    public long epochGrant() {
        return buffer.epochGrant();
    }

    /** The forwarder's link state, endpoint and last problem. */
    public ForwarderStatus forwarderStatus() {
        return forwarder.status();
    }

    /** The buffer's epoch: the sequence space of the records accepted since this start. */
    public long epoch() {
        return buffer.epoch();
    }

    public Optional<InetSocketAddress> mqttAddress() {
        return mqtt == null ? Optional.empty() : mqtt.plainAddress();
    }

    public Optional<InetSocketAddress> metricsAddress() {
        return Optional.ofNullable(http).map(MetricsHttpServer::address);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public synchronized void close() {
        if (bridge != null) {
            bridge.close(); // unacknowledged messages stay with the broker
            bridge = null;
        }
        if (mqtt != null) {
            mqtt.close();
            mqtt = null;
        }
        if (aggregator != null) {
            aggregator.close(); // open windows are rebuilt from the raw lanes on the next start
            aggregator = null;
        }
        if (forwarder != null) {
            forwarder.close();
            forwarder = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        if (devices != null) {
            try {
                devices.close();
            } catch (IOException e) {
                log.warn(
                        "Device registry: last flush failed at close ({}); it has the state of the flush before",
                        e.toString());
            }
            devices = null;
        }
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
        if (resources != null) {
            resources.close();
            resources = null;
        }
        log.info("Edge agent {} stopped", config.agentId());
    }
}
