package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Ping;
import io.tributary.protocol.v1.UserPassword;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken peers: each gets a {@code ConnectionError} with the right code and a closed connection, counted
 * in the hub's metrics; the hub keeps serving a well-behaved producer afterwards.
 */
class HubHostileInputIT {
    private static final String TOKEN = "t0ken-of-the-good-producer";
    private static final int MAX_FRAME = 64 * 1024;

    @TempDir
    Path dir;

    private Hub hub;
    private ClientResources resources;

    @BeforeEach
    void start() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# producers\n" + TOKEN + "\n");
        Path users = Files.writeString(dir.resolve("users"), "alice:wonderland\n");
        hub = Hub.start(TestHubs.config(
                dir.resolve("data"),
                Map.of(
                        "tokens-file", tokens.toString(),
                        "credentials-file", users.toString(),
                        "max-frame-bytes", Integer.toString(MAX_FRAME))));
        resources = new ClientResources(1);
        TestHubs.createStream(resources, TestHubs.client(hub.port(), TOKEN), "s", 1);
    }

    @AfterEach
    void goodProducerStillWorks_andNoConnectionLeaks() throws Exception {
        try {
            try (Producer p = Producer.create(
                    resources, TestHubs.client(hub.port(), TOKEN), TestHubs.producer("s", "good", 10))) {
                PutResult r = p.put("k", "still fine".getBytes(StandardCharsets.UTF_8))
                        .get(10, TimeUnit.SECONDS);
                assertThat(r.sequence()).isNotNegative();
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> hub.registry()
                                    .get("tributary.hub.connections")
                                    .gauge()
                                    .value()
                            == 0);
        } finally {
            resources.close();
            hub.close();
        }
    }

    @Test
    void garbageBody_isRefusedAsMalformed() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.sendBytes(new byte[] {5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            assertRefused(link, ErrorCode.ERROR_CODE_MALFORMED_FRAME);
        }
    }

    @Test
    void malformedLengthPrefix_isRefusedAsMalformed() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.sendBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            assertRefused(link, ErrorCode.ERROR_CODE_MALFORMED_FRAME);
        }
    }

    @Test
    void oversizedLengthPrefix_isRefusedBeforeAnyBody() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.sendBytes(varint(200 * 1024 * 1024));
            assertRefused(link, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
        }
    }

    @Test
    void truncatedFrameThenClose_isDroppedAndTheConnectionClosed() throws Exception {
        byte[] hello =
                RawLink.frame(RawLink.hello("half", 0, Optional.of(TOKEN))).toByteArray();
        try (RawLink link = RawLink.connect(hub.port())) {
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            partial.write(varint(hello.length));
            partial.write(hello, 0, hello.length / 2);
            link.sendBytes(partial.toByteArray());
            link.shutdownOutput();
            assertThat(link.closedByHub()).isTrue();
        }
    }

    @Test
    void firstFrameNotHello_isAProtocolViolation() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build());
            assertRefused(link, ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION);
        }
    }

    @Test
    void helloWithWrongToken_isUnauthenticated() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(RawLink.frame(RawLink.hello("mallory", 0, Optional.of("guessed-token"))));
            assertRefused(link, ErrorCode.ERROR_CODE_UNAUTHENTICATED);
        }
        assertThat(hub.registry().get("tributary.hub.auth.failures").counter().count())
                .isEqualTo(1);
    }

    @Test
    void helloWithWrongPassword_isUnauthenticated() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(RawLink.frame(RawLink.hello("mallory", 0, Optional.empty())
                    .setUserPassword(
                            UserPassword.newBuilder().setUsername("alice").setPassword("looking-glass"))));
            assertRefused(link, ErrorCode.ERROR_CODE_UNAUTHENTICATED);
        }
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(RawLink.frame(RawLink.hello("alice-edge", 0, Optional.empty())
                    .setUserPassword(
                            UserPassword.newBuilder().setUsername("alice").setPassword("wonderland"))));
            assertThat(link.receive().hasWelcome())
                    .as("the right password is accepted")
                    .isTrue();
        }
    }

    @Test
    void helloWithoutCredentials_isUnauthenticated() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(RawLink.frame(RawLink.hello("anonymous", 0, Optional.empty())));
            assertRefused(link, ErrorCode.ERROR_CODE_UNAUTHENTICATED);
        }
    }

    @Test
    void helloWithUnsupportedVersions_isRefused() throws Exception {
        try (RawLink link = RawLink.connect(hub.port())) {
            link.send(RawLink.frame(RawLink.hello("future", 0, Optional.of(TOKEN))
                    .setMinVersion(7)
                    .setMaxVersion(9)));
            assertRefused(link, ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION);
        }
    }

    @Test
    void batchOverTheFrameLimit_isRefusedAsTooLarge() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "big", 0, Optional.of(TOKEN))) {
            Frame big = TestRecords.batch(1, "s", "big", link.epoch(), "k", 0, 1);
            byte[] padding = new byte[MAX_FRAME + 1];
            big = big.toBuilder()
                    .setBatch(big.getBatch().toBuilder().setPayload(com.google.protobuf.ByteString.copyFrom(padding)))
                    .build();
            // Only the start of the frame: the hub refuses on the length prefix and closes, so writing the whole
            // body could race the close and end in a reset instead of the ConnectionError this test reads.
            ByteArrayOutputStream framed = new ByteArrayOutputStream();
            big.writeDelimitedTo(framed);
            link.sendBytes(java.util.Arrays.copyOf(framed.toByteArray(), 256));
            assertRefused(link, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
        }
    }

    private void assertRefused(RawLink link, ErrorCode code) throws Exception {
        Frame reply = link.receive();
        assertThat(reply.hasError())
                .as("expected a ConnectionError, got %s", reply)
                .isTrue();
        assertThat(reply.getError().getCode()).isEqualTo(code);
        assertThat(reply.getError().getMessage()).isNotBlank();
        assertThat(link.closedByHub()).as("connection closed after %s", code).isTrue();
        Counter refused = hub.registry()
                .get("tributary.hub.connections.refused")
                .tag("code", code.name())
                .counter();
        assertThat(refused.count()).isEqualTo(1);
    }

    private static byte[] varint(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
        return out.toByteArray();
    }
}
