package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tributary.protocol.log.LogRateLimiter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client that hammers the MQTT listener (here: CONNECT with a wrong password, again and again) gets a refusal every
 * time and is counted every time, but the log holds only the rate limit's lines; the lines left out are counted in
 * {@code tributary_edge_mqtt_log_suppressed_total} and announced by the next line written.
 */
class ClientLogFloodIT {
    private static final int ATTEMPTS = 40;

    private EventLoopGroup clients;
    private TestServer server;
    private final Logger connectLog = (Logger) LoggerFactory.getLogger(ConnectGate.class); // refuses bad credentials
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = TestServer.start(ManualSink.automatic());
        lines.start();
        connectLog.addAppender(lines);
    }

    @AfterEach
    void stop() {
        connectLog.detachAppender(lines);
        server.close();
        clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void wrongPasswordFlood_everyAttemptRefusedAndCounted_logLinesLimited_restCountedAsSuppressed() throws Exception {
        for (int i = 0; i < ATTEMPTS; i++) {
            try (RawMqttClient c = new RawMqttClient(clients, server.address())) {
                assertThat(c.connect(MqttVersion.MQTT_3_1_1, "intruder-" + i, USER, "guess-" + i))
                        .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            }
        }

        await().atMost(RawMqttClient.WAIT)
                .untilAsserted(
                        () -> assertThat(server.count("tributary.edge.mqtt.connects", "result", "bad_credentials"))
                                .isEqualTo(ATTEMPTS));
        assertThat(lines.list)
                .filteredOn(e -> e.getFormattedMessage().startsWith("Refused CONNECT"))
                .hasSize(LogRateLimiter.DEFAULT_LINES);
        assertThat(server.count("tributary.edge.mqtt.log.suppressed", "category", ClientLog.CONNECT_REFUSED))
                .isEqualTo(ATTEMPTS - LogRateLimiter.DEFAULT_LINES);
        assertThat(server.count("tributary.edge.mqtt.log.suppressed", "category", ClientLog.PROTOCOL))
                .as("other categories keep their budget and exist at 0")
                .isZero();

        // a good client is served as ever
        try (RawMqttClient good = new RawMqttClient(clients, server.address())) {
            assertThat(good.connect(MqttVersion.MQTT_3_1_1, "good", USER, PASSWORD))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        }
    }
}
