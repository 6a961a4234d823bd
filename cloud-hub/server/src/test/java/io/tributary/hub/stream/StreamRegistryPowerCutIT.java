package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testsupport.faultfs.FaultFs;
import io.tributary.testsupport.faultfs.PowerCuts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts ({@link FaultFs}) while the stream catalog creates, reshards and deletes streams (each a temp file,
 * fsync, rename and directory fsync): after each, the catalog loads by itself, nothing unreadable, every change that
 * returned is there as it returned, and the one under way at the cut is there entirely or not at all.
 */
class StreamRegistryPowerCutIT implements PowerCuts.Scenario<StreamRegistryPowerCutIT.Catalog> {

    /** The registry has nothing to close; the scenario needs something that closes. */
    record Catalog(StreamRegistry registry) implements AutoCloseable {
        @Override
        public void close() {}
    }

    private static final Clock CLOCK = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));

    @TempDir
    Path tmp;

    /** Every stream as the last change that returned left it. */
    private final Map<String, StreamDefinition> expected = new HashMap<>();
    /** The change under way when the power went: its stream, and whether it was a delete. */
    private String inFlight;

    private boolean inFlightDelete;
    private Random random;
    private long changes;
    private int nextName;

    @Test
    void powerCuts_whileStreamsChange_keepEveryCompletedChange() throws Exception {
        PowerCuts run = new PowerCuts("StreamRegistryPowerCutIT", 100);
        random = run.random();
        run.run(tmp.resolve("hub"), 60, this);
        System.out.println(run.summary(changes + " completed catalog changes checked"));
        assertThat(changes).isPositive();
        assertThat(run.total("directoryChangesUndone"))
                .as("renames and deletes undone")
                .isPositive();
    }

    @Override
    public Catalog open(FaultFs fs) {
        return new Catalog(StreamRegistry.open(fs.root().resolve("data"), CLOCK));
    }

    @Override
    public void verify(Catalog catalog, String when) {
        StreamRegistry registry = catalog.registry();
        if (inFlight != null) {
            Optional<StreamDefinition> found = registry.find(inFlight);
            StreamDefinition before = expected.get(inFlight);
            boolean old = found.equals(Optional.ofNullable(before));
            boolean applied = inFlightDelete ? found.isEmpty() : found.isPresent();
            assertThat(old || applied)
                    .as("%s: stream %s (change under way at the cut) is %s, was %s", when, inFlight, found, before)
                    .isTrue();
            found.ifPresentOrElse(s -> expected.put(s.name(), s), () -> expected.remove(inFlight));
            inFlight = null;
        }
        Map<String, StreamDefinition> loaded = new HashMap<>();
        registry.list().forEach(s -> loaded.put(s.name(), s));
        assertThat(loaded).as(when).isEqualTo(expected);
    }

    /** Creates, splits and deletes streams, one change at a time, until the power goes. */
    @Override
    public void loadUntilPowerOff(Catalog catalog, FaultFs fs) {
        StreamRegistry registry = catalog.registry();
        while (!fs.isDown()) {
            List<String> names = new ArrayList<>(expected.keySet());
            int action = random.nextInt(10);
            String name;
            if (names.isEmpty() || action < 4) {
                name = "s" + nextName++;
            } else {
                name = names.get(random.nextInt(names.size()));
            }
            inFlight = name;
            inFlightDelete = action >= 8 && expected.containsKey(name);
            try {
                if (!expected.containsKey(name)) {
                    registry.create(name, KeyMode.GROUP, Retention.UNLIMITED, 1 + random.nextInt(4));
                } else if (inFlightDelete) {
                    registry.delete(name);
                } else {
                    List<ShardDefinition> open = expected.get(name).openShards();
                    if (open.size() < 16) {
                        registry.split(
                                name, open.get(random.nextInt(open.size())).id(), OptionalLong.empty());
                    }
                }
            } catch (StreamException e) {
                assertThat(fs.isDown())
                        .as("%s failed with the power on: %s", name, e)
                        .isTrue();
                return; // the change under way is in doubt: verify decides
            }
            registry.find(name).ifPresentOrElse(s -> expected.put(name, s), () -> expected.remove(name));
            inFlight = null;
            changes++;
        }
    }
}
