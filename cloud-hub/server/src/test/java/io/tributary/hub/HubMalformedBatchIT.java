package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches whose payload disagrees with their header: each is refused with a non-retriable Nack naming the reason,
 * counted in {@code tributary.hub.nacks{reason}}, and nothing of it reaches the shard — while a well-behaved producer on
 * the same hub keeps being acknowledged and every stored batch decodes.
 */
class HubMalformedBatchIT {
    private static final String STREAM = "s";
    private static final String AGENT = "mallory";
    // A grant the hub has not given: presented in Hello, it is adopted (see EpochGrants), so batches can be built up
    // front.
    private static final long EPOCH = 7L << 32;
    private static final String LANE = "g";
    private static final int MAX_UNCOMPRESSED = 256 * 1024;

    @TempDir
    Path dir;

    private Hub hub;
    private ClientResources resources;
    private Producer good;
    private final List<CompletableFuture<PutResult>> goodPuts = new ArrayList<>();
    private int malloryAcked;

    @BeforeEach
    void start() throws Exception {
        hub = Hub.start(TestHubs.config(
                dir,
                Map.of(
                        "max-frame-bytes",
                        "64KiB",
                        "ingest.max-uncompressed-bytes",
                        Integer.toString(MAX_UNCOMPRESSED))));
        resources = new ClientResources(1);
        TestHubs.createStream(resources, TestHubs.client(hub.port()), STREAM, 1);
        good = Producer.create(resources, TestHubs.client(hub.port()), TestHubs.producer(STREAM, "good", 4));
        putGood(10);
    }

    @AfterEach
    void goodProducerKeptWorking_andOnlyItsRecordsWereStored() throws Exception {
        try {
            putGood(10);
            CompletableFuture.allOf(goodPuts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            good.close();
            List<Stored> stored = TestRecords.readShard(
                    hub.store(),
                    new ShardKey(
                            STREAM,
                            hub.streams().describe(STREAM).shards().get(0).id()));
            assertThat(stored)
                    .filteredOn(s -> s.record().getId().getAgentId().equals("good"))
                    .hasSize(goodPuts.size());
            assertThat(stored).hasSize(goodPuts.size() + malloryAcked);
        } finally {
            resources.close();
            hub.close();
        }
    }

    private void putGood(int n) {
        for (int i = 0; i < n; i++) {
            goodPuts.add(good.put("k", ("fine " + goodPuts.size()).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void undecodableCodecBytes_areRefusedAsMalformedPayload() throws Exception {
        byte[] garbage = new byte[64];
        java.util.Arrays.fill(garbage, (byte) 0xFF);
        for (Codec codec : List.of(Codec.CODEC_NONE, Codec.CODEC_LZ4, Codec.CODEC_ZSTD)) {
            assertRefused(
                    batch(codec, records(0, 3), b -> b.setPayload(ByteString.copyFrom(garbage))),
                    NackReason.NACK_REASON_MALFORMED_PAYLOAD);
        }
        // An LZ4 block whose length prefix is fine but whose block is not.
        byte[] lz4 = new byte[] {20, (byte) 0xF0, 1, 2, 3};
        assertRefused(
                batch(Codec.CODEC_LZ4, records(0, 3), b -> b.setPayload(ByteString.copyFrom(lz4))),
                NackReason.NACK_REASON_MALFORMED_PAYLOAD);
        assertCounted(NackReason.NACK_REASON_MALFORMED_PAYLOAD, 4);
    }

    @Test
    void uncompressedBytesThatDisagreeWithThePayload_areRefusedAsMalformedPayload() throws Exception {
        assertRefused(
                batch(Codec.CODEC_LZ4, records(0, 3), b -> b.setUncompressedBytes(b.getUncompressedBytes() + 1)),
                NackReason.NACK_REASON_MALFORMED_PAYLOAD);
        assertCounted(NackReason.NACK_REASON_MALFORMED_PAYLOAD, 1);
    }

    @Test
    void recordCountThatDisagreesWithThePayload_isRefused() throws Exception {
        // Header says 0..3 (4 records), the payload holds 0..2.
        assertRefused(
                batch(Codec.CODEC_NONE, records(0, 3), b -> b.setRecordCount(4).setLastSequence(3)),
                NackReason.NACK_REASON_RECORD_COUNT_MISMATCH);
        assertCounted(NackReason.NACK_REASON_RECORD_COUNT_MISMATCH, 1);
    }

    @Test
    void recordIdsOutsideTheDeclaredRun_areRefused() throws Exception {
        List<List<Record>> outside = List.of(
                withId(records(0, 3), 1, id -> id.setAgentId("someone-else")),
                withId(records(0, 3), 2, id -> id.setLane("other-lane")),
                withId(records(0, 3), 0, id -> id.setAgentEpoch(EPOCH + 1)),
                withId(records(0, 3), 1, id -> id.setSequence(2)),
                List.of(
                        records(0, 3).get(1),
                        records(0, 3).get(0),
                        records(0, 3).get(2)));
        for (List<Record> records : outside) {
            assertRefused(batch(Codec.CODEC_LZ4, records, b -> b), NackReason.NACK_REASON_ID_OUTSIDE_RUN);
        }
        assertCounted(NackReason.NACK_REASON_ID_OUTSIDE_RUN, outside.size());
    }

    @Test
    void payloadThatInflatesPastTheLimit_isRefused() throws Exception {
        // One record of zeros: compresses to a few KiB, inflates past the limit.
        Record big = records(0, 1).get(0).toBuilder()
                .setPayload(ByteString.copyFrom(new byte[MAX_UNCOMPRESSED]))
                .build();
        for (Codec codec : List.of(Codec.CODEC_LZ4, Codec.CODEC_ZSTD)) {
            assertRefused(batch(codec, List.of(big), b -> b), NackReason.NACK_REASON_INFLATE_LIMIT);
        }
        // A length prefix that claims 1 GiB: refused before anything is allocated.
        byte[] lying = new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 0};
        assertRefused(
                batch(Codec.CODEC_LZ4, records(0, 1), b -> b.setPayload(ByteString.copyFrom(lying))),
                NackReason.NACK_REASON_INFLATE_LIMIT);
        assertCounted(NackReason.NACK_REASON_INFLATE_LIMIT, 3);
    }

    @Test
    void wellFormedBatchOnTheSameConnection_afterRefusals_isAcknowledged() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), AGENT, EPOCH, Optional.empty())) {
            Frame bad = batch(Codec.CODEC_NONE, withId(records(0, 2), 1, id -> id.setLane("x")), b -> b);
            assertThat(link.call(bad).getNack().getReason()).isEqualTo(NackReason.NACK_REASON_ID_OUTSIDE_RUN);
            Frame fine = batch(Codec.CODEC_LZ4, records(0, 2), b -> b);
            Frame reply = link.call(fine);
            assertThat(reply.hasBatchAck()).as("answer: %s", reply).isTrue();
            malloryAcked += 2;
        }
    }

    private void assertRefused(Frame batch, NackReason reason) throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), AGENT, EPOCH, Optional.empty())) {
            Frame reply = link.call(batch);
            assertThat(reply.hasNack())
                    .as("answer to a %s batch: %s", reason, reply)
                    .isTrue();
            assertThat(reply.getNack().getReason()).isEqualTo(reason);
            assertThat(reply.getNack().getRetriable()).isFalse();
            assertThat(reply.getNack().getMessage()).isNotBlank();
            assertThat(reply.getNack().getBatchId()).isEqualTo(batch.getBatch().getBatchId());
        }
        putGood(2);
    }

    private void assertCounted(NackReason reason, int n) {
        assertThat(hub.registry()
                        .get("tributary.hub.nacks")
                        .tag("reason", reason.name())
                        .counter()
                        .count())
                .isEqualTo(n);
    }

    /** Records {@code first .. first+count-1} of mallory's lane, ids in the run. */
    private static List<Record> records(long first, int count) {
        return TestRecords.records(AGENT, EPOCH, LANE, first, count);
    }

    private static List<Record> withId(List<Record> records, int index, UnaryOperator<RecordId.Builder> change) {
        List<Record> out = new ArrayList<>(records);
        Record r = out.get(index);
        out.set(index, r.toBuilder().setId(change.apply(r.getId().toBuilder())).build());
        return out;
    }

    /** A batch of {@code records} declaring the run {@code 0..size-1} of mallory's lane, then changed by {@code header}. */
    private static Frame batch(Codec codec, List<Record> records, UnaryOperator<Batch.Builder> header) {
        Frame.Builder f = TestRecords.batch(77, STREAM, LANE, EPOCH, codec, records, 0);
        return f.setBatch(header.apply(f.getBatch().toBuilder())).build();
    }
}
