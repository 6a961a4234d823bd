package io.tributary.hub.ingest;

import io.tributary.hub.metrics.PeerLog;
import io.tributary.hub.server.HubContext;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.protocol.log.Correlation;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The {@code NOT_HOME} answers of ingest: a batch for a stream homed in another region, or for a shard another hub
 * writes. Clients move to the named hub and resend there. Event loop only, like {@link BatchIngest}.
 */
final class Redirects {
    private static final Logger log = LoggerFactory.getLogger(Redirects.class);

    private final HubContext hub;

    Redirects(HubContext hub) {
        this.hub = hub;
    }

    /** The stream is homed in another region: to its home's hub. */
    void notHome(Session session, Batch b, ReplicationGate.NotHome notHome) {
        send(session, b, notHome.message(), notHome.endpoint(), notHome.region());
    }

    /**
     * Another hub writes the batch's shard (a store several hubs share): the same redirect as for a stream homed
     * elsewhere, to that hub in this hub's region; clients move there and resend, and its de-duplication keeps it
     * exactly once.
     */
    void writtenElsewhere(Session session, Batch b, ShardWrittenElsewhereException e) {
        hub.metrics().writerRedirect();
        String line = "sending " + session + " to " + e.writerEndpoint() + ": shard " + e.shard() + " is written by "
                + e.writer();
        hub.metrics()
                .peerLog()
                .log(log, Level.INFO, PeerLog.REDIRECTED, Correlation.batch(session.agentId(), b), "{}", line);
        send(session, b, e.getMessage(), e.writerEndpoint(), hub.config().region());
    }

    private void send(Session session, Batch b, String message, String endpoint, String region) {
        hub.metrics().nacked(NackReason.NACK_REASON_NOT_HOME);
        session.send(Frame.newBuilder()
                .setNack(Nack.newBuilder()
                        .setBatchId(b.getBatchId())
                        .setReason(NackReason.NACK_REASON_NOT_HOME)
                        .setMessage(message)
                        .setRetriable(true)
                        .setHomeEndpoint(endpoint)
                        .setHomeRegion(region))
                .build());
    }
}
