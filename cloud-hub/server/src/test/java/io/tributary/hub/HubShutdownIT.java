package io.tributary.hub;

import io.tributary.hub.client.core.ClientResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Hub#close} closes every client connection, also while the hub is busy answering batches. A connection left
 * open by a stopped hub is never read nor closed: its client keeps sending into it and waits for answers (an edge
 * agent once did, until its keepalive gave up on the silence).
 */
class HubShutdownIT {
    private static final String STREAM = "telemetry";
    private static final int ROUNDS = 8;
    private static final int LINKS = 4;
    private static final int BATCHES = 25;

    @TempDir
    Path dir;

    @Test
    void close_whileAnsweringBatchesOnSeveralConnections_closesEveryConnection() throws Exception {
        int port = 0;
        // Several rounds: stopping the event loops alone left connections open only when a stop met a busy loop.
        for (int round = 0; round < ROUNDS; round++) {
            Hub hub = Hub.start(TestHubs.config(dir, Map.of("port", Integer.toString(port))));
            port = hub.port();
            if (round == 0) {
                try (ClientResources resources = new ClientResources(1)) {
                    TestHubs.createStream(resources, TestHubs.client(port), STREAM, 1);
                }
            }
            List<RawLink> links = new ArrayList<>();
            boolean stopped = false;
            try {
                for (int l = 0; l < LINKS; l++) {
                    RawLink link = RawLink.handshake(port, "agent-" + l, 0, Optional.empty());
                    links.add(link);
                    for (int b = 0; b < BATCHES; b++) {
                        // answers left unread: the hub's event loop is busy acknowledging when it stops
                        link.send(TestRecords.batch(b + 1, STREAM, "agent-" + l, link.epoch(), "g" + l, b * 4L, 4));
                    }
                }
                hub.close();
                stopped = true;
                for (RawLink link : links) {
                    link.awaitClosedByHub();
                }
            } finally {
                if (!stopped) {
                    hub.close();
                }
                for (RawLink link : links) {
                    link.close();
                }
            }
        }
    }
}
