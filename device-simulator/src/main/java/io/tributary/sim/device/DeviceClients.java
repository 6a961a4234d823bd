package io.tributary.sim.device;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the {@link DeviceClient}s of a run. All clients get the same {@link MqttClientExecutorConfig}, so the
 * HiveMQ client runs them on one shared Netty event loop group instead of one per client; connections are spread
 * round-robin over the given source addresses (127.0.0.x on loopback) so that thousands of devices do not run out
 * of ephemeral ports on one address pair.
 *
 * <p>Threads: immutable; {@link #create} may be called from any thread.
 */
public final class DeviceClients {

    private final ClientSettings settings;
    private final MqttClientExecutorConfig executor;
    private final List<InetAddress> sources;

    /** @param ioThreads Netty threads for all clients together; 0 for the HiveMQ client's default */
    public DeviceClients(ClientSettings settings, int ioThreads, List<InetAddress> sources) {
        this.settings = settings;
        this.sources = List.copyOf(sources);
        var builder = MqttClientExecutorConfig.builder();
        if (ioThreads > 0) {
            builder.nettyThreads(ioThreads);
        }
        this.executor = builder.build();
    }

    /**
     * A client for device number {@code index} with MQTT client id {@code clientId}. Does not connect.
     * {@code onDisconnected} runs on a client thread whenever a connection ends or an attempt fails.
     */
    public DeviceClient create(int index, String clientId, Runnable onDisconnected) {
        MqttClientTransportConfigBuilder transport = MqttClientTransportConfig.builder()
                .serverHost(settings.host())
                .serverPort(settings.port())
                .socketConnectTimeout(10, TimeUnit.SECONDS)
                .mqttConnectTimeout(10, TimeUnit.SECONDS);
        if (!sources.isEmpty()) {
            transport.localAddress(sources.get(Math.floorMod(index, sources.size())));
        }
        MqttClientBuilder client = MqttClient.builder()
                .identifier(clientId)
                .transportConfig(transport.build())
                .executorConfig(executor)
                .addDisconnectedListener(ctx -> onDisconnected.run());
        if (settings.mqttVersion() == 5) {
            return new Mqtt5DeviceClient(client.useMqttVersion5().buildAsync(), settings);
        }
        return new Mqtt3DeviceClient(client.useMqttVersion3().buildAsync(), settings);
    }
}
