package io.tributary.testsupport.faultfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One power-cut test's run: its seeded random, the number of cuts, the reboots and cuts, and the sum of what the cuts
 * took. Knobs: {@value #CUTS} (default per test: 100 in the normal suite, 1,000 with {@code -Ppower-cuts-long}) and
 * {@value #SEED} (random unless given; always printed, so a failing run can be repeated with the same cut points and
 * the same choices of what is lost — the threads' interleaving is not repeated). Not thread-safe: the test's thread.
 */
public final class PowerCuts {

    /** System property: the number of cuts. */
    public static final String CUTS = "tributary.power-cuts";
    /** System property: the seed. */
    public static final String SEED = "tributary.power-cuts.seed";

    private final String test;
    private final Random random;
    private final int cuts;
    private final Map<String, Long> totals = new TreeMap<>();
    private int inRecovery;

    /** Starts a run of {@code test} (printing its seed) with the {@value #CUTS} property or {@code defaultCuts}. */
    public PowerCuts(String test, int defaultCuts) {
        this.test = test;
        long seed = Long.getLong(SEED, ThreadLocalRandom.current().nextLong());
        System.out.printf("%s: power-cut seed %d (repeat with -D%s=%d)%n", test, seed, SEED, seed);
        this.random = new Random(seed);
        this.cuts = Integer.getInteger(CUTS, defaultCuts);
    }

    /**
     * A store under power cuts: how to open (recover) it on a file system, what must hold after a cut, and the load
     * that runs until the power goes.
     */
    public interface Scenario<T extends AutoCloseable> {
        /** Opens the store on {@code fs}, recovering it; failing with the power on fails the test. */
        T open(FaultFs fs) throws Exception;

        /** Checks the reopened store against everything acknowledged so far. */
        void verify(T store, String when) throws Exception;

        /** Drives the store until {@link FaultFs#isDown()} (the power goes by itself, see {@link #armLoad}). */
        void loadUntilPowerOff(T store, FaultFs fs) throws Exception;
    }

    /**
     * The whole run: {@link #cuts()} times boot, open (a cut during recovery counts as the cut), verify, load until
     * the power goes at one of the next {@code maxWrites} writing operations, cut. The test then checks with {@link
     * #total} that the cuts took what its store risks (a run whose cuts never took anything proves nothing).
     */
    public <T extends AutoCloseable> void run(Path realRoot, int maxWrites, Scenario<T> scenario) throws Exception {
        for (int cut = 0; cut < cuts; cut++) {
            FaultFs fs = boot(realRoot);
            T store = open(fs, scenario);
            if (store == null) {
                continue; // the power went while it opened
            }
            scenario.verify(store, "after cut " + cut);
            armLoad(fs, maxWrites);
            try {
                scenario.loadUntilPowerOff(store, fs);
            } finally {
                closeDead(store);
            }
            cut(fs);
        }
    }

    public Random random() {
        return random;
    }

    /** How many cuts to run. */
    public int cuts() {
        return cuts;
    }

    /**
     * Boots a new {@link FaultFs} on the real directory; one boot in five has the power go again within its first
     * writes, so that cuts land in recovery too (the caller then sees {@link FaultFs#isDown()} after opening).
     */
    private FaultFs boot(Path realRoot) throws IOException {
        FaultFs fs = new FaultFs(realRoot);
        if (random.nextInt(5) == 0) {
            fs.powerOffAfter(1 + random.nextInt(30));
        }
        return fs;
    }

    /**
     * Opens the store on a {@link #boot}ed file system. When the power goes during the open (or right after), closes
     * what opened, cuts and returns null; an open that fails with the power on fails the test, as recovery must never
     * need a hand. After a good open the power stays on until {@link #armLoad}.
     */
    private <T extends AutoCloseable> T open(FaultFs fs, Scenario<T> scenario) throws IOException {
        T store;
        try {
            store = scenario.open(fs);
        } catch (Exception e) {
            if (!fs.isDown()) {
                throw new AssertionError(test + ": recovery failed with the power on", e);
            }
            cutInRecovery(fs);
            return null;
        }
        fs.powerOffAfter(Long.MAX_VALUE); // first, so that a thread of the store cannot cut it after the check
        if (fs.isDown()) {
            closeDead(store);
            cutInRecovery(fs);
            return null;
        }
        return store;
    }

    /** Arms the cut of the run under load: at a random one of the next {@code maxWrites} writing operations. */
    private void armLoad(FaultFs fs, int maxWrites) {
        fs.powerOffAfter(1 + random.nextInt(maxWrites));
    }

    /** The cut: a quarter of them drop everything unsynced, the others a random part of it. */
    private CutReport cut(FaultFs fs) throws IOException {
        CutReport report = fs.cut(random, random.nextInt(4) == 0);
        report.counts().forEach((k, v) -> totals.merge(k, v, Long::sum));
        return report;
    }

    private CutReport cutInRecovery(FaultFs fs) throws IOException {
        inRecovery++;
        return cut(fs);
    }

    /** A total of the cuts' {@link CutReport#counts()}. */
    public long total(String count) {
        return totals.getOrDefault(count, 0L);
    }

    /** One line: cuts, how many in recovery, what they took, and {@code checked}. */
    public String summary(String checked) {
        return String.format(
                "%s: %d cuts (%d in or right after recovery), %s; at the cuts: %s",
                test, cuts, inRecovery, checked, totals);
    }

    /** Closes what a process that lost power had open: its threads stop, its files are gone (closing them may fail). */
    public static void closeDead(AutoCloseable store) {
        try {
            store.close();
        } catch (Exception expected) {
            // a process that lost power does not close its files
        }
    }
}
