package io.tributary.protocol.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogRateLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<String> suppressed = new ArrayList<>();
    private final LogRateLimiter limiter = new LogRateLimiter(
            Set.of("connect_refused", "protocol"), 3, Duration.ofSeconds(10), nanos::get, suppressed::add);
    private final Logger log = (Logger) LoggerFactory.getLogger("io.tributary.test.LogRateLimiterTest");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void release() {
        log.detachAppender(lines);
    }

    @Test
    void aFlood_writesTheBudgetPerWindow_countsTheRest_andTheNextLineSaysHowMany() {
        for (int i = 0; i < 1000; i++) {
            limiter.warn(log, "connect_refused", "Refused CONNECT from {}: {}", "10.0.0." + i, "bad password");
        }

        assertThat(lines.list).hasSize(3);
        assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("Refused CONNECT from 10.0.0.0: bad password");
        assertThat(suppressed).hasSize(997).containsOnly("connect_refused");

        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        limiter.warn(log, "connect_refused", "Refused CONNECT from {}: {}", "10.0.0.1", "bad password");

        assertThat(lines.list).hasSize(4);
        assertThat(lines.list.get(3).getKeyValuePairs())
                .extracting(kv -> kv.key, kv -> kv.value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("suppressed", 997L));
    }

    @Test
    void categories_haveBudgetsOfTheirOwn() {
        for (int i = 0; i < 10; i++) {
            limiter.info(log, "connect_refused", "refused {}", i);
        }
        assertThat(limiter.info(log, "protocol", "protocol violation by {}", "c1"))
                .isTrue();
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).contains("protocol violation by c1");
        assertThat(suppressed).hasSize(7);
    }

    @Test
    void aTrailingThrowable_isTheCause_notAnArgument() {
        limiter.warn(log, "protocol", "closing {} after an error", "c1", new IllegalStateException("boom"));

        ILoggingEvent e = lines.list.get(0);
        assertThat(e.getFormattedMessage()).isEqualTo("closing c1 after an error");
        assertThat(e.getThrowableProxy().getMessage()).isEqualTo("boom");
        assertThat(e.getKeyValuePairs())
                .as("no suppressed= on a first line")
                .satisfiesAnyOf(
                        kv -> assertThat(kv).isNull(), kv -> assertThat(kv).isEmpty());
    }

    @Test
    void aDisabledLevel_neitherWritesNorSpendsTheBudget() {
        log.setLevel(ch.qos.logback.classic.Level.WARN);
        try {
            for (int i = 0; i < 10; i++) {
                assertThat(limiter.info(log, "protocol", "info {}", i)).isFalse();
            }
            assertThat(suppressed).isEmpty();
            assertThat(limiter.warn(log, "protocol", "warn")).isTrue();
        } finally {
            log.setLevel(null);
        }
    }

    @Test
    void anUnknownCategory_isAProgrammingError() {
        assertThatThrownBy(() -> limiter.warn(log, "nope", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }
}
