package io.tributary.protocol.frame;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.AdminRequest;
import io.tributary.protocol.v1.AdminResponse;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.Credit;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GetRecords;
import io.tributary.protocol.v1.Goodbye;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Ping;
import io.tributary.protocol.v1.Pong;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.ReplicaAck;
import io.tributary.protocol.v1.ReplicaBatches;
import io.tributary.protocol.v1.ReplicaCheckpoint;
import io.tributary.protocol.v1.ReplicaFollow;
import io.tributary.protocol.v1.ReplicaGrant;
import io.tributary.protocol.v1.ReplicaGrants;
import io.tributary.protocol.v1.ReplicaHandover;
import io.tributary.protocol.v1.ReplicaOffer;
import io.tributary.protocol.v1.ReplicaRefused;
import io.tributary.protocol.v1.ReplicatedBatch;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.ShardFork;
import io.tributary.protocol.v1.StartPosition;
import io.tributary.protocol.v1.StoredBatch;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.Subscribe;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Unsubscribe;
import io.tributary.protocol.v1.UserPassword;
import io.tributary.protocol.v1.Welcome;
import java.util.EnumMap;
import java.util.Map;

/** One populated sample of every frame body, so round-trip and fuzz tests cover the whole protocol. */
final class SampleFrames {
    private SampleFrames() {}

    static Map<Frame.BodyCase, Frame> all() {
        Map<Frame.BodyCase, Frame> m = new EnumMap<>(Frame.BodyCase.class);
        put(
                m,
                Frame.newBuilder()
                        .setHello(Hello.newBuilder()
                                .setMinVersion(1)
                                .setMaxVersion(1)
                                .setAgentId("edge-7")
                                .setAgentEpoch(3)
                                .setUserPassword(UserPassword.newBuilder()
                                        .setUsername("u")
                                        .setPassword("p"))
                                .setRole(PeerRole.PEER_ROLE_AGENT)
                                .setClientName("test")));
        put(
                m,
                Frame.newBuilder()
                        .setWelcome(Welcome.newBuilder()
                                .setVersion(1)
                                .setHubId("hub-a")
                                .setRegion("eu")
                                .setMaxFrameBytes(1 << 20)));
        put(m, Frame.newBuilder().setPing(Ping.newBuilder().setNonce(9).setSendTimeNanos(123)));
        put(m, Frame.newBuilder().setPong(Pong.newBuilder().setNonce(9).setSendTimeNanos(123)));
        put(m, Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("shutdown")));
        put(
                m,
                Frame.newBuilder()
                        .setError(ConnectionError.newBuilder()
                                .setCode(ErrorCode.ERROR_CODE_UNAUTHENTICATED)
                                .setMessage("bad token")));
        put(
                m,
                Frame.newBuilder()
                        .setBatch(Batch.newBuilder()
                                .setBatchId(42)
                                .setStream("telemetry")
                                .setPartitionKey("group-1")
                                .setCodec(Codec.CODEC_LZ4)
                                .setPayload(ByteString.copyFromUtf8("payload"))
                                .setRecordCount(3)
                                .setUncompressedBytes(300)
                                .setFirstSequence(10)
                                .setLastSequence(12)
                                .setLane("group-1")
                                .setAgentEpoch(2)));
        put(
                m,
                Frame.newBuilder()
                        .setBatchAck(BatchAck.newBuilder()
                                .setBatchId(42)
                                .setDurableWatermark(12)
                                .addShards("shard-000001")
                                .addShardIndex(0)
                                .addShardIndex(0)
                                .addSequence(100)
                                .addSequence(101)
                                .setDuplicates(1)));
        put(
                m,
                Frame.newBuilder()
                        .setNack(Nack.newBuilder()
                                .setBatchId(42)
                                .setReason(NackReason.NACK_REASON_UNKNOWN_STREAM)
                                .setMessage("no such stream")
                                .setRetriable(false)));
        put(
                m,
                Frame.newBuilder()
                        .setThrottle(Throttle.newBuilder()
                                .setBatchId(42)
                                .setRetryAfterMs(250)
                                .setReason("quota")));
        StartPosition atSeq = StartPosition.newBuilder().setAtSequence(5).build();
        put(
                m,
                Frame.newBuilder()
                        .setGetRecords(GetRecords.newBuilder()
                                .setRequestId(1)
                                .setStream("s")
                                .setShardId("shard-000000")
                                .setPosition(atSeq)
                                .setMaxRecords(100)
                                .setMaxBytes(1000)));
        put(
                m,
                Frame.newBuilder()
                        .setSubscribe(Subscribe.newBuilder()
                                .setSubscriptionId(2)
                                .setStream("s")
                                .setShardId("shard-000000")
                                .setConsumerGroup("g")
                                .setStart(StartPosition.newBuilder().setAtTimestampMs(1000))
                                .setInitialCreditRecords(10)
                                .setInitialCreditBytes(1000)
                                .setLeaseToken(4)));
        put(m, Frame.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setSubscriptionId(2)));
        put(
                m,
                Frame.newBuilder()
                        .setCredit(Credit.newBuilder()
                                .setSubscriptionId(2)
                                .setRecords(5)
                                .setBytes(500)));
        put(
                m,
                Frame.newBuilder()
                        .setReadResult(ReadResult.newBuilder()
                                .setId(2)
                                .setShardId("shard-000000")
                                .addBatches(StoredBatch.newBuilder()
                                        .setBaseSequence(5)
                                        .setRecordCount(2)
                                        .setCodec(Codec.CODEC_NONE)
                                        .setPayload(ByteString.copyFromUtf8("xy"))
                                        .setAppendTimeMs(77))
                                .setNextSequence(7)
                                .setRecordsBehind(3)
                                .setMillisBehind(12)
                                .setShardEnd(true)
                                .addChildShards("shard-000003")));
        put(
                m,
                Frame.newBuilder()
                        .setReadError(ReadError.newBuilder()
                                .setId(2)
                                .setCode(ReadErrorCode.READ_ERROR_CODE_TRIMMED)
                                .setMessage("trimmed")
                                .setOldestSequence(1000)));
        put(
                m,
                Frame.newBuilder()
                        .setLeaseHeartbeat(LeaseHeartbeat.newBuilder()
                                .setRequestId(3)
                                .setStream("s")
                                .setConsumerGroup("g")
                                .setMemberId("m1")));
        put(
                m,
                Frame.newBuilder()
                        .setLeaseAssignment(LeaseAssignment.newBuilder()
                                .setRequestId(3)
                                .addLeases(Lease.newBuilder()
                                        .setShardId("shard-000000")
                                        .setOwner("m1")
                                        .setToken(8)
                                        .setCheckpoint(-1)
                                        .addParentShards("shard-000009"))
                                .setLeaseTimeoutMs(10_000)));
        put(
                m,
                Frame.newBuilder()
                        .setCheckpoint(Checkpoint.newBuilder()
                                .setRequestId(4)
                                .setStream("s")
                                .setConsumerGroup("g")
                                .setShardId("shard-000000")
                                .setSequence(99)
                                .setMemberId("m1")
                                .setLeaseToken(8)
                                .setShardEnd(false)));
        put(
                m,
                Frame.newBuilder()
                        .setCheckpointAck(CheckpointAck.newBuilder()
                                .setRequestId(4)
                                .setAccepted(false)
                                .setReason("stale lease token 7, current 8")));
        put(
                m,
                Frame.newBuilder()
                        .setAdminRequest(AdminRequest.newBuilder()
                                .setRequestId(5)
                                .setCreateStream(CreateStream.newBuilder()
                                        .setStream("telemetry")
                                        .setShardCount(4)
                                        .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                                        .setRetentionMs(86_400_000L))));
        put(
                m,
                Frame.newBuilder()
                        .setAdminResponse(AdminResponse.newBuilder()
                                .setRequestId(5)
                                .setOk(true)
                                .addStreams(StreamDescription.newBuilder()
                                        .setStream("telemetry")
                                        .addShards(ShardDescription.newBuilder()
                                                .setShardId("shard-000000")
                                                .setStartHash(0)
                                                .setEndHash(-1L)
                                                .setOpen(true)
                                                .setStatus("online")))));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaFollow(ReplicaFollow.newBuilder()
                                .setStream("s")
                                .setShardId("shard-000000")
                                .setFromSequence(10)
                                .setReplicaRegion("us")));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaBatches(ReplicaBatches.newBuilder()
                                .setStream("s")
                                .setShardId("shard-000000")
                                .addBatches(ReplicatedBatch.newBuilder()
                                        .setBaseSequence(10)
                                        .setRecordCount(1)
                                        .setAgentId("edge-1")
                                        .setLane("default")
                                        .setAgentEpoch(1L << 32)
                                        .setProducerFirstSequence(3)
                                        .setProducerLastSequence(3))
                                .setHomeNextSequence(11)
                                .setHomeTimeMs(5)
                                .setGeneration(1)));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaOffer(ReplicaOffer.newBuilder()
                                .setFromRegion("eu")
                                .setStream(StreamDescription.newBuilder()
                                        .setStream("s")
                                        .setHomeRegion("eu")
                                        .setGeneration(1))));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaRefused(ReplicaRefused.newBuilder()
                                .setStreamName("s")
                                .setReason("generation 1 is older than 2")));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaGrants(ReplicaGrants.newBuilder()
                                .addGrants(ReplicaGrant.newBuilder()
                                        .setAgentId("edge-1")
                                        .setGrant(1L << 32))));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaHandover(ReplicaHandover.newBuilder()
                                .setStream("s")
                                .addHighWaterMarks(ShardFork.newBuilder()
                                        .setGeneration(1)
                                        .setShardId("shard-000000")
                                        .setSequence(11))));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaCheckpoint(ReplicaCheckpoint.newBuilder()
                                .setStream("s")
                                .setConsumerGroup("g")
                                .setShardId("shard-000000")
                                .setSequence(11)));
        put(
                m,
                Frame.newBuilder()
                        .setReplicaAck(ReplicaAck.newBuilder()
                                .setStream("s")
                                .setShardId("shard-000000")
                                .setNextSequence(11)));
        return m;
    }

    private static void put(Map<Frame.BodyCase, Frame> m, Frame.Builder b) {
        Frame f = b.build();
        m.put(f.getBodyCase(), f);
    }
}
