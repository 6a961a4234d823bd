package io.tributary.edge.mqtt.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.buffer.LanePosition;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Qos2ReceiptsTest {

    /** The committed markers, as the buffer keeps them: a marker only moves forward. */
    private final Map<String, LanePosition> buffer = new HashMap<>();

    private final long a = Qos2Receipts.key("dev-a");
    private final long b = Qos2Receipts.key("dev-b");

    private Qos2Receipts open() {
        return new Qos2Receipts(name -> buffer.getOrDefault(name, LanePosition.BEFORE_FIRST));
    }

    private void commit(Qos2Receipts receipts, Qos2Receipts.Write write) {
        write.marks().forEach((name, pos) -> buffer.merge(name, pos, LanePosition::max));
        receipts.committed(write);
    }

    @Test
    void storedReceipt_isHeldAfterReopen_untilReleased() {
        Qos2Receipts r = open();
        commit(r, r.storing(a, 7));
        commit(r, r.storing(a, 8));
        assertThat(r.held(a)).containsExactly(7, 8);

        Qos2Receipts reopened = open();
        assertThat(reopened.held(a)).containsExactly(7, 8);
        assertThat(reopened.held(b)).isEmpty();
        commit(reopened, reopened.releasing(a, 7));
        assertThat(open().held(a)).containsExactly(8);
        assertThat(open().live()).isEqualTo(1);
    }

    @Test
    void failedStore_leavesNoReceipt_andFreesItsSlot() {
        Qos2Receipts r = open();
        Qos2Receipts.Write refused = r.storing(a, 7); // the record was refused: its marker never committed
        r.failed(refused);
        assertThat(r.held(a)).isEmpty();
        assertThat(r.releasing(a, 7).isEmpty()).as("nothing to void").isTrue();
        assertThat(r.storing(b, 1).marks().keySet())
                .as("its slot is taken again")
                .isEqualTo(refused.marks().keySet());
    }

    @Test
    void releasing_voidsOnlyItsOwnReceipt() {
        Qos2Receipts r = open();
        commit(r, r.storing(a, 7));
        assertThat(r.releasing(b, 7).isEmpty()).isTrue();
        assertThat(r.releasing(a, 6).isEmpty()).isTrue();
        assertThat(r.releasing(a, 7).marks()).hasSize(1);
    }

    @Test
    void failedVoid_keepsTheReceipt() {
        Qos2Receipts r = open();
        commit(r, r.storing(a, 7));
        r.failed(r.releasing(a, 7));
        assertThat(r.held(a)).containsExactly(7);
        assertThat(r.storing(b, 1).marks().keySet())
                .doesNotContainAnyElementsOf(r.releasing(a, 7).marks().keySet());
    }

    @Test
    void voiding_dropsEveryReceiptOfTheClient_andNoOther() {
        Qos2Receipts r = open();
        for (int id = 1; id <= 20; id++) {
            commit(r, r.storing(a, id));
        }
        commit(r, r.storing(b, 3));
        Qos2Receipts.Write voids = r.voiding(a);
        assertThat(voids.marks()).hasSize(20);
        commit(r, voids);
        assertThat(open().held(a)).isEmpty();
        assertThat(open().held(b)).containsExactly(3);
        assertThat(r.voiding(a).isEmpty()).isTrue();
    }

    @Test
    void everyReceiptInFlight_hasASlotOfItsOwn_andTheTableGrowsOnlyToTheMostHeldAtOnce() {
        Qos2Receipts r = open();
        Map<String, Integer> slots = new HashMap<>();
        for (int round = 0; round < 5; round++) {
            for (int c = 0; c < 10; c++) {
                long key = Qos2Receipts.key("dev-" + c);
                for (int id = 1; id <= 30; id++) {
                    Qos2Receipts.Write w = r.storing(key, round * 100 + id);
                    w.marks().keySet().forEach(name -> slots.merge(name, 1, Integer::sum));
                    commit(r, w);
                }
            }
            assertThat(r.live()).isEqualTo(300);
            for (int c = 0; c < 10; c++) {
                long key = Qos2Receipts.key("dev-" + c);
                for (int id = 1; id <= 30; id++) {
                    commit(r, r.releasing(key, round * 100 + id));
                }
            }
            assertThat(r.live()).isZero();
        }
        assertThat(slots).as("300 held at once, 300 markers reused").hasSize(300);
        assertThat(open().live()).isZero();
    }

    @Test
    void concurrentStores_takeDifferentSlots() {
        Qos2Receipts r = open();
        Qos2Receipts.Write first = r.storing(a, 7);
        Qos2Receipts.Write second = r.storing(b, 7);
        assertThat(first.marks().keySet())
                .doesNotContainAnyElementsOf(second.marks().keySet());
        commit(r, second);
        commit(r, first);
        assertThat(open().held(a)).containsExactly(7);
        assertThat(open().held(b)).containsExactly(7);
    }

    @Test
    void laterWriteWins_whateverOrderTheCommitsApplyIn() {
        Qos2Receipts r = open();
        Qos2Receipts.Write stored = r.storing(a, 7);
        commit(r, stored);
        commit(r, r.releasing(a, 7));
        r.committed(stored); // applied late: older than the void, ignored
        assertThat(r.held(a)).isEmpty();
    }

    @Test
    void ordinal_continuesAfterReopen_soNewMarkersMoveForward() {
        Qos2Receipts r = open();
        commit(r, r.storing(a, 7));
        commit(r, r.releasing(a, 7));
        Qos2Receipts.Write again = open().storing(a, 7);
        String name = again.marks().keySet().iterator().next();
        assertThat(again.marks().get(name).isAfter(buffer.get(name))).isTrue();
    }

    @Test
    void aGapLeftByARefusedFirstWrite_doesNotHideTheSlotsAbove() {
        Qos2Receipts r = open();
        Qos2Receipts.Write refused = r.storing(a, 1); // slot 0
        Qos2Receipts.Write stored = r.storing(a, 2); // slot 1
        r.failed(refused);
        commit(r, stored);
        Qos2Receipts reopened = open();
        assertThat(reopened.held(a)).containsExactly(2);
        Qos2Receipts.Write again = reopened.storing(b, 1);
        String name = again.marks().keySet().iterator().next();
        assertThat(again.marks().get(name).epoch())
                .as("ordinal above every slot's")
                .isGreaterThan(
                        buffer.get(stored.marks().keySet().iterator().next()).epoch());
    }

    @Test
    void voiding_coversAStoreStillInFlight_whicheverCommitsFirst() {
        Qos2Receipts r = open();
        Qos2Receipts.Write inFlight = r.storing(a, 7); // the old session's, not committed yet
        Qos2Receipts.Write voids = r.voiding(a);
        assertThat(voids.marks().keySet()).isEqualTo(inFlight.marks().keySet());
        commit(r, voids);
        commit(r, inFlight); // older: ignored on disk and here
        assertThat(r.held(a)).isEmpty();
        assertThat(open().held(a)).isEmpty();
    }

    @Test
    void aSlotStaysTaken_whileALaterWriteToItIsInFlight() {
        Qos2Receipts r = open();
        commit(r, r.storing(a, 7));
        Qos2Receipts.Write voidOfFirst = r.releasing(a, 7);
        Qos2Receipts.Write again = r.storing(a, 7); // the id reused before the void committed
        assertThat(again.marks().keySet()).isEqualTo(voidOfFirst.marks().keySet());
        commit(r, voidOfFirst);
        assertThat(r.storing(b, 1).marks().keySet())
                .as("not handed out while the newer store is in flight")
                .doesNotContainAnyElementsOf(again.marks().keySet());
        commit(r, again);
        assertThat(open().held(a)).containsExactly(7);
    }

    @Test
    void anAmbiguousFailure_isVoidedBeforeTheSlotIsReused() {
        Qos2Receipts r = open();
        Qos2Receipts.Write failed = r.storing(a, 7);
        buffer.put(
                failed.marks().keySet().iterator().next(),
                failed.marks().values().iterator().next()); // it landed
        Qos2Receipts.Write voids = r.abandoning(failed);
        assertThat(r.storing(b, 1).marks().keySet())
                .doesNotContainAnyElementsOf(voids.marks().keySet());
        commit(r, voids);
        assertThat(open().held(a)).isEmpty();
    }
}
