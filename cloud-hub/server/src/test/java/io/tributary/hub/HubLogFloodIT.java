package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tributary.hub.metrics.PeerLog;
import io.tributary.protocol.log.LogRateLimiter;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Peers that loop on a wrong token or on garbage bytes are each refused and counted, but the hub's log holds only the
 * rate limit's lines per category; the rest are counted in {@code tributary_hub_log_suppressed_total{category}}.
 */
class HubLogFloodIT {
    private static final int ATTEMPTS = 30;

    @TempDir
    Path dir;

    private Hub hub;
    private final Logger sessionLog = (Logger) LoggerFactory.getLogger("io.tributary.hub.server.SessionHandler");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "the-right-token\n");
        hub = Hub.start(TestHubs.config(dir.resolve("data"), Map.of("tokens-file", tokens.toString())));
        lines.start();
        sessionLog.addAppender(lines);
    }

    @AfterEach
    void stop() {
        sessionLog.detachAppender(lines);
        hub.close();
    }

    @Test
    void wrongTokenAndGarbageFloods_refusedAndCountedEveryTime_logLinesLimitedPerCategory() throws Exception {
        for (int i = 0; i < ATTEMPTS; i++) {
            try (RawLink link = RawLink.connect(hub.port())) {
                link.send(RawLink.frame(RawLink.hello("mallory-" + i, 0, Optional.of("guess-" + i))));
                assertError(link.receive(), ErrorCode.ERROR_CODE_UNAUTHENTICATED);
            }
            try (RawLink link = RawLink.connect(hub.port())) {
                link.sendBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
                assertError(link.receive(), ErrorCode.ERROR_CODE_MALFORMED_FRAME);
            }
        }

        assertThat(refused(ErrorCode.ERROR_CODE_UNAUTHENTICATED)).isEqualTo(ATTEMPTS);
        assertThat(refused(ErrorCode.ERROR_CODE_MALFORMED_FRAME)).isEqualTo(ATTEMPTS);
        assertThat(lines.list)
                .filteredOn(e -> e.getFormattedMessage().contains("authentication failed"))
                .hasSize(LogRateLimiter.DEFAULT_LINES);
        assertThat(lines.list)
                .filteredOn(e -> e.getFormattedMessage().contains("malformed frame length prefix"))
                .hasSize(LogRateLimiter.DEFAULT_LINES);
        assertThat(suppressed(PeerLog.REFUSED)).isEqualTo(ATTEMPTS - LogRateLimiter.DEFAULT_LINES);
        assertThat(suppressed(PeerLog.FRAME)).isEqualTo(ATTEMPTS - LogRateLimiter.DEFAULT_LINES);
        assertThat(suppressed(PeerLog.BATCH_REFUSED)).as("exists at 0").isZero();
    }

    private static void assertError(Frame reply, ErrorCode code) {
        assertThat(reply.hasError()).as("a ConnectionError, got %s", reply).isTrue();
        assertThat(reply.getError().getCode()).isEqualTo(code);
    }

    private double refused(ErrorCode code) {
        return hub.registry()
                .get("tributary.hub.connections.refused")
                .tag("code", code.name())
                .counter()
                .count();
    }

    private double suppressed(String category) {
        return hub.registry()
                .get("tributary.hub.log.suppressed")
                .tag("category", category)
                .counter()
                .count();
    }
}
