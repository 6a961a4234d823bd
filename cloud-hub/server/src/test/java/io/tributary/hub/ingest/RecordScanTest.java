package io.tributary.hub.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RecordList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RecordScan} must accept exactly what a full parse of a {@code RecordList} accepts, and see the same ids. */
class RecordScanTest {
    private static final long SEED = 20_261_205L;

    /** The ids a full parse sees, as "agent|lane|epoch|sequence", or null when the parse fails. */
    private static List<String> parsed(byte[] bytes) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true);
            List<String> ids = new ArrayList<>();
            for (Record r : RecordList.parseFrom(in).getRecordsList()) {
                RecordId id = r.getId();
                ids.add(id.getAgentId() + "|" + id.getLane() + "|" + id.getAgentEpoch() + "|" + id.getSequence());
            }
            return ids;
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> scanned(byte[] bytes) {
        List<String> ids = new ArrayList<>();
        try {
            RecordScan.Result r =
                    RecordScan.scan(bytes, (i, b, agentAt, agentLength, laneAt, laneLength, epoch, seq) -> {
                        ids.add(new String(b, agentAt, agentLength, java.nio.charset.StandardCharsets.UTF_8) + "|"
                                + new String(b, laneAt, laneLength, java.nio.charset.StandardCharsets.UTF_8) + "|"
                                + epoch + "|"
                                + seq);
                        return null;
                    });
            assertThat(r.count()).isEqualTo(ids.size());
            return ids;
        } catch (IOException e) {
            return null;
        }
    }

    private static void assertSameAsParse(byte[] bytes, String what) {
        List<String> expected = parsed(bytes);
        List<String> actual = scanned(bytes);
        assertThat(actual).as(what + ": " + Arrays.toString(bytes)).isEqualTo(expected);
    }

    private static Record randomRecord(Random rnd, int i) {
        Record.Builder b = Record.newBuilder()
                .setId(RecordId.newBuilder()
                        .setAgentId("gw-" + rnd.nextInt(3))
                        .setLane(rnd.nextBoolean() ? "" : "g" + rnd.nextInt(3))
                        .setAgentEpoch(rnd.nextInt(5))
                        .setSequence(i))
                .setDeviceId("dev-" + rnd.nextInt(100))
                .setEventTimeMs(rnd.nextLong())
                .setPayload(ByteString.copyFrom(new byte[rnd.nextInt(40)]));
        if (rnd.nextBoolean()) {
            b.setTopic("t/é/" + rnd.nextInt(10))
                    .setMetric("m")
                    .setDeviceGroup("g")
                    .setPartitionKey("k");
        }
        if (rnd.nextInt(3) == 0) {
            b.putAttributes("traceparent", "00-" + rnd.nextInt()).putAttributes("ü", "");
        }
        if (rnd.nextInt(4) == 0) { // an unknown field, as a newer producer might send
            b.setUnknownFields(UnknownFieldSet.newBuilder()
                    .addField(
                            20 + rnd.nextInt(5),
                            UnknownFieldSet.Field.newBuilder()
                                    .addVarint(rnd.nextInt(1000))
                                    .build())
                    .build());
        }
        return b.build();
    }

    @Test
    void randomListsAndMutations_acceptAndIdsAsTheFullParse() {
        Random rnd = new Random(SEED);
        int accepted = 0;
        for (int n = 0; n < 3000; n++) {
            RecordList.Builder list = RecordList.newBuilder();
            int records = rnd.nextInt(6);
            for (int i = 0; i < records; i++) {
                list.addRecords(randomRecord(rnd, i));
            }
            byte[] good = list.build().toByteArray();
            assertSameAsParse(good, "valid list " + n);
            for (int m = 0; m < 8; m++) {
                byte[] bad = mutate(rnd, good);
                assertSameAsParse(bad, "mutation " + m + " of list " + n);
                accepted += parsed(bad) == null ? 0 : 1;
            }
        }
        assertThat(accepted)
                .as("mutations a parse still accepts (both paths exercised)")
                .isBetween(1, 23_999);
    }

    private static byte[] mutate(Random rnd, byte[] good) {
        if (good.length == 0) {
            return new byte[] {(byte) rnd.nextInt(256)};
        }
        byte[] b = good.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
            case 2 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            default -> {
                int at = rnd.nextInt(b.length);
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = (byte) rnd.nextInt(256);
                System.arraycopy(b, at, out, at + 1, b.length - at);
                b = out;
            }
        }
        return b;
    }

    /** A record whose field {@code field} holds {@code value} as a length-delimited field (id fields inside the id). */
    private static byte[] recordWith(int field, byte[] value, boolean insideId) throws IOException {
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(inner);
        out.writeByteArray(field, value);
        out.flush();
        byte[] body = inner.toByteArray();
        if (insideId) {
            body = wrap(Record.ID_FIELD_NUMBER, body);
        }
        return wrap(RecordList.RECORDS_FIELD_NUMBER, body);
    }

    private static byte[] wrap(int field, byte[] body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeByteArray(field, body);
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void invalidUtf8_inEveryStringField_refusedLikeTheParse_bytesFieldAccepted() throws IOException {
        byte[] invalid = {(byte) 0xC3, (byte) 0x28};
        for (int field : new int[] {2, 3, 4, 10, 11}) {
            byte[] bytes = recordWith(field, invalid, false);
            assertThat(parsed(bytes)).as("field %d", field).isNull();
            assertSameAsParse(bytes, "record field " + field);
        }
        for (int field : new int[] {1, 4}) {
            assertSameAsParse(recordWith(field, invalid, true), "id field " + field);
        }
        byte[] payload = recordWith(8, invalid, false);
        assertThat(parsed(payload)).isNotNull();
        assertSameAsParse(payload, "bytes field");
        byte[] mapKey = wrap(RecordList.RECORDS_FIELD_NUMBER, wrap(9, wrap(1, invalid)));
        assertSameAsParse(mapKey, "attribute key");
    }

    @Test
    void knownFieldsWithAnotherWireType_andGroups_asTheParse() throws IOException {
        // field 2 (a string) sent as a varint, then an unknown group, then a stray end-group tag
        byte[] varintString = wrap(RecordList.RECORDS_FIELD_NUMBER, new byte[] {0x10, 0x05});
        assertSameAsParse(varintString, "string field as varint");
        byte[] group =
                wrap(RecordList.RECORDS_FIELD_NUMBER, new byte[] {(byte) 0xA3, 0x01, 0x08, 0x01, (byte) 0xA4, 0x01});
        assertSameAsParse(group, "unknown group");
        byte[] strayEnd = wrap(RecordList.RECORDS_FIELD_NUMBER, new byte[] {(byte) 0xA4, 0x01});
        assertSameAsParse(strayEnd, "stray end-group");
        byte[] topLevelEnd = {0x0C};
        assertSameAsParse(topLevelEnd, "end-group at the top");
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i < 150; i++) {
            deep.write(new byte[] {(byte) 0xA3, 0x01});
        }
        for (int i = 0; i < 150; i++) {
            deep.write(new byte[] {(byte) 0xA4, 0x01});
        }
        assertSameAsParse(wrap(RecordList.RECORDS_FIELD_NUMBER, deep.toByteArray()), "groups 150 deep");
    }

    private static byte[] nestedGroups(int depth) {
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            deep.write(0x7B); // field 15, start group
        }
        for (int i = 0; i < depth; i++) {
            deep.write(0x7C); // field 15, end group
        }
        return deep.toByteArray();
    }

    /** A parse counts the messages around an unknown group against its recursion limit; so must the scan. */
    @Test
    void unknownGroupsNestedToTheRecursionLimit_atEveryMessageLevel_asTheParse() throws IOException {
        int refusedSomewhere = 0;
        for (int depth = 95; depth <= 102; depth++) {
            byte[] groups = nestedGroups(depth);
            byte[] top = groups;
            byte[] inRecord = wrap(RecordList.RECORDS_FIELD_NUMBER, groups);
            byte[] inId = wrap(RecordList.RECORDS_FIELD_NUMBER, wrap(Record.ID_FIELD_NUMBER, groups));
            byte[] inMapEntry = wrap(RecordList.RECORDS_FIELD_NUMBER, wrap(9, groups));
            for (byte[] bytes : List.of(top, inRecord, inId, inMapEntry)) {
                assertSameAsParse(bytes, "groups " + depth + " deep");
                refusedSomewhere += parsed(bytes) == null ? 1 : 0;
            }
        }
        assertThat(refusedSomewhere)
                .as("the limit is reached in the range tried")
                .isPositive()
                .isLessThan(32);
    }

    @Test
    void twoIdFieldsInOneRecord_merge_asTheParse() throws IOException {
        byte[] first =
                RecordId.newBuilder().setAgentId("a").setSequence(5).build().toByteArray();
        byte[] second = RecordId.newBuilder().setLane("l").build().toByteArray();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(wrap(Record.ID_FIELD_NUMBER, first));
        body.write(wrap(Record.ID_FIELD_NUMBER, second));
        byte[] bytes = wrap(RecordList.RECORDS_FIELD_NUMBER, body.toByteArray());
        assertThat(parsed(bytes)).containsExactly("a|l|0|5");
        assertSameAsParse(bytes, "merged ids");
    }
}
