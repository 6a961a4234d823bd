package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.auth.AccessConfig;
import io.tributary.edge.mqtt.auth.ConnectionLimits;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The access-control state one server shares between its connections: the configuration, the open connections per
 * identity, the meters, and the thread that checks passwords. Password checks (PBKDF2, ~0.1 s of CPU each the first
 * time) run on that one thread, never on an event loop; at most {@value #MAX_WAITING_CHECKS} wait, beyond which a
 * CONNECT is refused as busy, so a storm of logins cannot take more than one core or unbounded memory.
 */
record ServerAccess(AccessConfig config, ConnectionLimits limits, AccessMetrics metrics, ExecutorService verifier)
        implements AutoCloseable {

    static final int MAX_WAITING_CHECKS = 1000;

    static ServerAccess create(AccessConfig config, AccessMetrics metrics) {
        ThreadPoolExecutor verifier = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_WAITING_CHECKS),
                r -> {
                    Thread t = new Thread(r, "tributary-mqtt-passwords");
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        return new ServerAccess(config, new ConnectionLimits(config.limits()), metrics, verifier);
    }

    @Override
    public void close() {
        verifier.shutdownNow();
    }
}
