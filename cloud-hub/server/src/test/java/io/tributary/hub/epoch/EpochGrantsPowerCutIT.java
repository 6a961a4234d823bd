package io.tributary.hub.epoch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testsupport.faultfs.FaultFs;
import io.tributary.testsupport.faultfs.PowerCuts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts ({@link FaultFs}) while producers claim epoch grants (one fsync'd entry each; compaction on open: temp
 * file, fsync, rename, directory fsync): after each, the table opens by itself, every id holds the last grant it was
 * given (or the one being given at the cut), and a new grant is above every grant ever given, so no grant is handed
 * out twice. The clock stands still, so only the log (not the clock seed) keeps grants unique.
 */
class EpochGrantsPowerCutIT implements PowerCuts.Scenario<EpochGrants> {

    private static final Clock STILL = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    /** id → the last grant claim() returned. */
    private final Map<String, Long> granted = new HashMap<>();

    private long highest;
    /** The claim under way at the cut: its id, and the grant before it. */
    private String inFlight;

    private Random random;
    private long claims;

    @Test
    void powerCuts_whileGranting_neverForgetOrRepeatAGrant() throws Exception {
        PowerCuts run = new PowerCuts("EpochGrantsPowerCutIT", 100);
        random = run.random();
        run.run(tmp.resolve("hub"), 400, this);
        System.out.println(run.summary(claims + " grants checked"));
        assertThat(claims).isPositive();
        assertThat(run.total("pagesDropped")).as("unsynced pages dropped").isPositive();
    }

    @Override
    public EpochGrants open(FaultFs fs) throws IOException {
        return EpochGrants.open(fs.root(), STILL);
    }

    @Override
    public void verify(EpochGrants grants, String when) {
        granted.forEach((id, grant) -> {
            if (!id.equals(inFlight)) {
                assertThat(grants.current(id)).as("%s: grant of %s", when, id).isEqualTo(grant);
            }
        });
        if (inFlight != null) {
            long now = grants.current(inFlight);
            assertThat(now == granted.getOrDefault(inFlight, 0L) || now > highest)
                    .as("%s: grant of %s (claim under way at the cut): %d, had %s", when, inFlight, now, granted)
                    .isTrue();
            if (now != 0) {
                granted.put(inFlight, now);
                highest = Math.max(highest, now);
            }
            inFlight = null;
        }
        assertThat(grants.snapshot()).as(when).isEqualTo(granted);
    }

    /** Claims new grants for a few ids (each supersedes the id's last) until the power goes. */
    @Override
    public void loadUntilPowerOff(EpochGrants grants, FaultFs fs) {
        while (!fs.isDown()) {
            String id = "agent-" + random.nextInt(20);
            inFlight = id;
            GrantTable.Claim claim;
            try {
                claim = grants.claim(id, 0);
            } catch (IOException e) {
                assertThat(fs.isDown())
                        .as("claim failed with the power on: %s", e)
                        .isTrue();
                return; // in doubt: verify decides
            }
            long grant = ((GrantTable.Claim.Granted) claim).grant();
            assertThat(grant).as("a new grant is above every grant given").isGreaterThan(highest);
            highest = grant;
            granted.put(id, grant);
            inFlight = null;
            claims++;
        }
    }
}
