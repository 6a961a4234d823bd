package io.tributary.bench.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.tributary.hub.ingest.BatchValidator;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RecordList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hub's per-batch check before it stores a batch ({@link BatchValidator}: inflate, full parse of every record,
 * ids against the run), the hot path the profile of {@code ./tributary bench hub} shows on the hub, and its parts.
 * One operation is one batch of {@code records} edge-like records (JSON payload of about 100 bytes, topic, device,
 * group, metric, id); divide by {@code records} for the cost per record. See docs/benchmarks.md for how to run it.
 *
 * <p>Threads: JMH's; the state is read-only after {@link #setUp}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchValidationBench {
    private static final String AGENT = "gw-bench";
    private static final String LANE = "g1";

    @Param({"1000"})
    public int records;

    @Param({"CODEC_LZ4", "CODEC_NONE"})
    public Codec codec;

    private Batch batch;
    private byte[] plain;
    private BatchValidator validator;

    @Setup
    public void setUp() {
        List<Record> list = new ArrayList<>(records);
        long t0 = 1_764_000_000_000L;
        for (int i = 0; i < records; i++) {
            String device = "dev-" + (i % 50);
            String json = "{\"ts\":" + (t0 + i) + ",\"temp\":" + (20 + i % 7) + ".5,\"hum\":" + (40 + i % 13)
                    + ",\"status\":\"ok\"}";
            list.add(Record.newBuilder()
                    .setId(RecordId.newBuilder()
                            .setAgentId(AGENT)
                            .setLane(LANE)
                            .setAgentEpoch(7)
                            .setSequence(i))
                    .setDeviceId(device)
                    .setDeviceGroup(LANE)
                    .setMetric("temp")
                    .setTopic("tributary/" + LANE + "/" + device + "/temp")
                    .setEventTimeMs(t0 + i)
                    .setEdgeReceiveTimeMs(t0 + i)
                    .setContentType(ContentType.CONTENT_TYPE_JSON)
                    .setPayload(ByteString.copyFrom(json, StandardCharsets.UTF_8))
                    .build());
        }
        BatchPayloads.Encoded encoded = BatchPayloads.encode(list, codec);
        plain = RecordList.newBuilder().addAllRecords(list).build().toByteArray();
        batch = Batch.newBuilder()
                .setBatchId(1)
                .setStream("bench")
                .setCodec(codec)
                .setPayload(encoded.payload())
                .setRecordCount(records)
                .setUncompressedBytes(encoded.uncompressedBytes())
                .setFirstSequence(0)
                .setLastSequence(records - 1)
                .setLane(LANE)
                .setAgentEpoch(7)
                .build();
        validator = new BatchValidator(64 << 20);
        if (validator.check(AGENT, batch) != null) {
            throw new IllegalStateException("the benchmark's batch is refused: " + validator.check(AGENT, batch));
        }
    }

    /** The whole check, as the hub runs it for every batch. */
    @Benchmark
    public Object validate() {
        return validator.check(AGENT, batch);
    }

    /** Inflating the payload alone. */
    @Benchmark
    public byte[] inflate() throws Exception {
        return BatchPayloads.decompress(batch.getPayload(), batch.getCodec(), 64 << 20);
    }

    /** The full parse of the inflated records alone (payload bytes aliased, as the validator parses). */
    @Benchmark
    public Object parse() throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(plain);
        in.enableAliasing(true);
        return RecordList.parseFrom(in);
    }
}
