package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.RegionEndpoint;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group's checkpoints follow a replicated stream to its replica region, so after a promotion the group
 * resumes there at the same sequence numbers; a replica gives the group no leases meanwhile.
 */
class ReplicatedCheckpointsIT {
    private static final String STREAM = "readings";

    @TempDir
    Path dir;

    private Hub start(String region, int port) throws Exception {
        return Hub.start(HubConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of(
                        "data-dir",
                        dir.resolve(region).toString(),
                        "port",
                        Integer.toString(port),
                        "metrics-port",
                        "-1",
                        "io-threads",
                        "1",
                        "region",
                        region,
                        "hub-id",
                        "hub-" + region)));
    }

    private static ClientOptions client(int port) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .build();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void checkpointAtHome_isReplicated_groupResumesThereAfterPromotion() throws Exception {
        int euPort = freePort();
        int usPort = freePort();
        try (ClientResources resources = new ClientResources(1);
                Hub eu = start("eu", euPort);
                Hub us = start("us", usPort)) {
            try (AdminClient admin = AdminClient.connect(resources, client(euPort))) {
                admin.createStream(CreateStream.newBuilder()
                        .setStream(STREAM)
                        .setShardCount(1)
                        .addReplicas(RegionEndpoint.newBuilder().setRegion("us").setEndpoint("127.0.0.1:" + usPort))
                        .build());
            }
            try (Producer producer = Producer.create(
                    resources, client(euPort), ProducerOptions.defaults(STREAM).withProducerId("p1"))) {
                for (int i = 0; i < 20; i++) {
                    producer.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                producer.flush().get(30, TimeUnit.SECONDS);
            }
            try (RawMember home = new RawMember(resources, client(euPort), STREAM, "g", "m1")) {
                Lease lease = home.heartbeat().getLeases(0);
                assertThat(home.checkpoint(lease.getShardId(), lease.getToken(), 11, false)
                                .getAccepted())
                        .isTrue();
            }
            // At the replica the group gets no leases: it runs at the home.
            try (RawMember atReplica = new RawMember(resources, client(usPort), STREAM, "g", "m2")) {
                LeaseAssignment none = atReplica.heartbeat();
                assertThat(none.getLeasesCount()).isZero();
            }
            try (AdminClient admin = AdminClient.connect(resources, client(usPort))) {
                await().atMost(Duration.ofSeconds(10))
                        .ignoreExceptions()
                        .until(() -> admin.describeStream(STREAM).getShards(0).getNextSequence() == 20);
                // The replica shows the checkpoint its home replicated (checkpoints travel asynchronously, like
                // records under ack level local: promote once it is there).
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        admin.describeGroup(STREAM, "g").getShardsList())
                                .extracting(GroupShardLag::getCheckpoint)
                                .containsExactly(11L));
                admin.promoteStream(STREAM, false);
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(
                                        admin.describeGroup(STREAM, "g").getShardsList())
                                .extracting(GroupShardLag::getCheckpoint)
                                .containsExactly(11L));
            }
            try (RawMember after = new RawMember(resources, client(usPort), STREAM, "g", "m3")) {
                Lease lease = after.heartbeat().getLeases(0);
                assertThat(lease.getCheckpoint()).isEqualTo(11);
                assertThat(after.checkpoint(lease.getShardId(), lease.getToken(), 19, false)
                                .getAccepted())
                        .isTrue();
            }
        }
    }
}
