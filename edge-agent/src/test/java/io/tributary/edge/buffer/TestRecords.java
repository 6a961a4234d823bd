package io.tributary.edge.buffer;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Builders of records and small helpers shared by the buffer tests. */
final class TestRecords {

    private TestRecords() {}

    static PendingRecord json(String group, String device, long eventTimeMs, String json) {
        return PendingRecord.of(
                group,
                Record.newBuilder()
                        .setDeviceId(device)
                        .setDeviceGroup(group)
                        .setMetric("temp")
                        .setEventTimeMs(eventTimeMs)
                        .setContentType(ContentType.CONTENT_TYPE_JSON)
                        .setPayload(ByteString.copyFrom(json, StandardCharsets.UTF_8))
                        .build());
    }

    static PendingRecord text(String group, String payload) {
        return PendingRecord.of(
                group,
                Record.newBuilder()
                        .setDeviceId("d")
                        .setDeviceGroup(group)
                        .setContentType(ContentType.CONTENT_TYPE_TEXT)
                        .setPayload(ByteString.copyFrom(payload, StandardCharsets.UTF_8))
                        .build());
    }

    static String payload(BufferedRecord r) {
        return r.record().getPayload().toStringUtf8();
    }

    static Appended await(CompletableFuture<Appended> f) {
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    static List<Appended> awaitAll(List<CompletableFuture<Appended>> fs) {
        return fs.stream().map(TestRecords::await).toList();
    }
}
