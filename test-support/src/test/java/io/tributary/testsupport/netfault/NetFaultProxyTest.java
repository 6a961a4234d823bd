package io.tributary.testsupport.netfault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each fault of {@link NetFaultProxy}, measured with a plain socket through the proxy to an {@link EchoServer}. */
class NetFaultProxyTest {
    private EchoServer echo;
    private NetFaultProxy proxy;

    @BeforeEach
    void setUp() throws IOException {
        echo = new EchoServer();
        proxy = NetFaultProxy.start(echo.port());
    }

    @AfterEach
    void tearDown() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] roundTrip(Socket s, byte[] data) throws IOException {
        s.getOutputStream().write(data);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(data.length);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void noFault_forwardsBothWaysUnchanged_andPassesTheCloseOn() throws IOException {
        try (Socket s = connect()) {
            byte[] data = random(100_000);
            assertThat(roundTrip(s, data)).isEqualTo(data);
            s.shutdownOutput();
            assertThat(s.getInputStream().read()).isEqualTo(-1); // the echo server saw EOF and closed
        }
        await().until(() -> proxy.stats().open() == 0);
        assertThat(proxy.stats().bytesUpstream()).isEqualTo(100_000);
        assertThat(proxy.stats().bytesDownstream()).isEqualTo(100_000);
    }

    @Test
    void latencyAndJitter_delayEachWay_andKeepTheOrder() throws IOException {
        proxy.latency(Duration.ofMillis(150), Duration.ofMillis(100));
        try (Socket s = connect()) {
            for (int i = 0; i < 5; i++) {
                byte[] data = ("ping-" + i).getBytes();
                long t0 = System.nanoTime();
                assertThat(roundTrip(s, data)).isEqualTo(data);
                long rttMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(rttMs).as("round trip %d", i).isGreaterThanOrEqualTo(300);
            }
            // many small writes in a burst come back whole and in order despite the jitter
            byte[] burst = random(20_000);
            for (int i = 0; i < burst.length; i += 100) {
                s.getOutputStream().write(burst, i, 100);
            }
            assertThat(s.getInputStream().readNBytes(burst.length)).isEqualTo(burst);
            proxy.latency(Duration.ZERO, Duration.ZERO);
            long t0 = System.nanoTime();
            roundTrip(s, new byte[] {1});
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(300);
        }
    }

    @Test
    void bandwidthCap_limitsBytesPerSecondEachWay() throws IOException {
        proxy.bandwidth(40_000);
        try (Socket s = connect()) {
            byte[] data = random(60_000);
            long t0 = System.nanoTime();
            assertThat(roundTrip(s, data)).isEqualTo(data);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // 60 kB at 40 kB/s: at least ~1.5 s each way (pipelined, so not much more than that in total)
            assertThat(seconds).isGreaterThan(1.3);
            proxy.bandwidth(0);
            t0 = System.nanoTime();
            assertThat(roundTrip(s, data)).isEqualTo(data);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(1.0);
        }
    }

    @Test
    void stall_holdsBytesWithoutLosingThemOrClosing() throws IOException {
        try (Socket s = connect()) {
            roundTrip(s, new byte[] {0});
            proxy.stall(Duration.ofMillis(1_500));
            long t0 = System.nanoTime();
            s.getOutputStream().write("held".getBytes());
            s.setSoTimeout(700);
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().readNBytes(4)).isEqualTo("held".getBytes());
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1_400);
            assertThat(roundTrip(s, new byte[] {7})).containsExactly(7);
        }
        assertThat(proxy.stats().resets()).isZero();
    }

    @Test
    void halfOpen_dropsEverythingBothWays_closesNothing_andNewConnectionsWork() throws IOException {
        try (Socket dead = connect()) {
            roundTrip(dead, new byte[] {1});
            await().until(() -> echo.connections() == 1);
            assertThat(proxy.halfOpen()).isEqualTo(1);
            dead.getOutputStream().write(random(50_000));
            dead.setSoTimeout(1_000);
            // neither data, nor EOF, nor a reset: the link just went quiet
            assertThatThrownBy(() -> dead.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            await().until(() -> proxy.stats().bytesDropped() == 50_000);
            assertThat(echo.received()).isEqualTo(1); // the server never saw the dropped bytes
            assertThat(echo.openConnections()).isEqualTo(1); // and was not told either

            try (Socket fresh = connect()) {
                assertThat(roundTrip(fresh, new byte[] {2, 3})).containsExactly(2, 3);
            }
            dead.close();
            await().until(() -> proxy.stats().halfOpenClosedByClient() == 1);
            assertThat(echo.openConnections()).isEqualTo(1); // the server side of the dead link is still open
            assertThat(proxy.stats().open()).isEqualTo(1);
        }
        assertThat(proxy.stats().halfOpenClosedByTarget()).isZero();
    }

    @Test
    void halfOpen_serverClosingItsEnd_isCountedAndEndsTheConnection() throws IOException {
        try (Socket dead = connect()) {
            roundTrip(dead, new byte[] {1});
            proxy.halfOpen();
            echo.closeConnections();
            await().until(() -> proxy.stats().halfOpenClosedByTarget() == 1);
            dead.setSoTimeout(500);
            // the client is not told
            assertThatThrownBy(() -> dead.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            dead.close();
            await().until(() -> proxy.stats().open() == 0);
        }
    }

    @Test
    void resetMidStream_cutsWithRstAfterAtMostMaxBytes() throws IOException {
        proxy.resetMidStream(1_000);
        try (Socket s = connect()) {
            s.getOutputStream().write(random(5_000));
            InputStream in = s.getInputStream();
            byte[] back = new byte[5_000];
            assertThatThrownBy(() -> {
                        while (true) {
                            if (in.read(back) < 0) {
                                throw new IOException("EOF instead of a reset");
                            }
                        }
                    })
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
        await().until(() -> proxy.stats().resets() == 1);
        NetFaultStats stats = proxy.stats();
        // the cut is somewhere inside the stream: at least one byte forwarded, at most the budget
        assertThat(stats.bytesUpstream() + stats.bytesDownstream()).isBetween(1L, 1_000L);
        await().until(() -> echo.resetsSeen() == 1);

        proxy.resetMidStream(0);
        try (Socket s = connect()) {
            byte[] data = random(5_000);
            assertThat(roundTrip(s, data)).isEqualTo(data);
        }
    }

    @Test
    void uplinkDown_killsOpenConnections_refusesNewOnes_untilUp() throws IOException {
        try (Socket s = connect()) {
            roundTrip(s, new byte[] {1});
            proxy.uplinkDown(true);
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class);
        }
        try (Socket refused = connect()) {
            // the reset may already be there when writing, or arrive while reading
            assertThatThrownBy(() -> {
                        refused.getOutputStream().write(1);
                        refused.getInputStream().read();
                    })
                    .isInstanceOf(SocketException.class);
        }
        assertThat(proxy.stats().refused()).isEqualTo(1);
        proxy.uplinkDown(false);
        try (Socket s = connect()) {
            byte[] data = random(1_000);
            assertThat(roundTrip(s, data)).isEqualTo(data);
        }
        assertThat(Arrays.asList(proxy.stats().resets(), proxy.stats().accepted()))
                .containsExactly(1L, 3L);
    }

    @Test
    void reset_withAFullQueueBehindAStall_leavesNoThreadBehind() throws Exception {
        proxy.stall(Duration.ofSeconds(30));
        try (Socket s = connect()) {
            Thread writer = new Thread(
                    () -> {
                        try {
                            s.getOutputStream().write(new byte[4 << 20]); // more than the queue and socket buffers
                        } catch (IOException e) {
                            // reset by the proxy, as intended
                        }
                    },
                    "test-writer");
            writer.start();
            // the proxy's reader filled its queue and waits on it
            await().until(() -> threadState("-c1-up-read") == Thread.State.WAITING);
            proxy.uplinkDown(true);
            await().until(() -> threadState("-c1-") == null);
            writer.join(10_000);
        }
    }

    /** The state of the proxy thread whose name contains {@code part}; null if none is alive. */
    private Thread.State threadState(String part) {
        String prefix = "netfault-" + proxy.port();
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.getName().contains(part) && t.isAlive())
                .map(Thread::getState)
                .findFirst()
                .orElse(null);
    }
}
