package io.tributary.hub.store.provider;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.epoch.EpochGrants;
import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupStore;
import io.tributary.hub.group.LocalGroupStore;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamCatalog;
import io.tributary.hub.stream.StreamFileCatalog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Makes the {@link ShardStore} a hub runs on, chosen by the hub setting {@code store}. Implementations are found with
 * {@link ServiceLoader} ({@code META-INF/services/io.tributary.hub.store.provider.ShardStoreProvider}), so the hub server does
 * not depend on any store module: {@code local} is built in, {@code pulsar} comes with the module {@code
 * tributary-hub-store-pulsar} when it is on the class path.
 */
public interface ShardStoreProvider {
    /** The value of the hub setting {@code store} that selects this provider, e.g. {@code local}. */
    String name();

    /**
     * Makes the store and checks that it can work (for a remote store: that it is reachable), so that a hub that
     * cannot store anything does not start.
     *
     * @throws java.io.IOException saying what is wrong (the hub prints its message, without a stack trace)
     */
    ShardStore create(HubConfig config, Clock clock, MeterRegistry registry) throws Exception;

    /**
     * Opens the producer epoch grants a hub on this store hands out; by default a log in the hub's own data dir ({@link
     * EpochGrants}). A store that several hubs share overrides it with a table they share too, so that a grant stays
     * unique when an agent moves between hubs. The hub closes it.
     *
     * @throws java.io.IOException saying what is wrong (the hub prints its message, without a stack trace)
     */
    default GrantTable grants(HubConfig config, Clock clock, MeterRegistry registry) throws Exception {
        return EpochGrants.open(config.dataDir(), clock);
    }

    /**
     * Opens the stream catalog a hub on this store keeps its streams in; by default the hub's own data dir ({@link
     * StreamFileCatalog} in {@code <data-dir>/streams}). A store that several hubs share overrides it with a catalog
     * they share too, so that any hub knows every stream. The hub closes it.
     *
     * @throws java.io.IOException saying what is wrong (the hub prints its message, without a stack trace)
     */
    default StreamCatalog catalog(HubConfig config, MeterRegistry registry) throws Exception {
        return StreamFileCatalog.open(config.dataDir().resolve("streams"));
    }

    /**
     * Opens where a hub on this store keeps its consumer groups' checkpoints and lease tokens, and which hub runs each
     * group; by default the hub's own checkpoint log ({@code checkpoints}, in {@code <data-dir>/groups}, opened by the
     * hub, which closes it), where this hub runs every group ({@link LocalGroupStore}). A store that several hubs share
     * overrides it with state they share and one coordinator per group among them. The hub closes it (before {@code
     * checkpoints}).
     *
     * @throws java.io.IOException saying what is wrong (the hub prints its message, without a stack trace)
     */
    default GroupStore groups(HubConfig config, CheckpointStore checkpoints, MeterRegistry registry) throws Exception {
        return new LocalGroupStore(checkpoints);
    }

    /**
     * The provider named {@code name} on the class path of {@code loader}.
     *
     * @throws IllegalArgumentException naming the known stores when none is called {@code name}
     */
    static ShardStoreProvider find(String name, ClassLoader loader) {
        List<String> known = new ArrayList<>();
        for (ShardStoreProvider p : ServiceLoader.load(ShardStoreProvider.class, loader)) {
            if (p.name().equals(name)) {
                return p;
            }
            known.add(p.name());
        }
        String hint = name.equals("pulsar")
                ? " (the Pulsar store is the module tributary-hub-store-pulsar: put its jar and its lib/ on the hub's"
                        + " class path; ./tributary hub does)"
                : "";
        throw new IllegalArgumentException(
                "store '" + name + "' is not on the class path" + hint + "; stores found: " + known);
    }

    /** {@link #find(String, ClassLoader)} with this interface's class loader. */
    static ShardStoreProvider find(String name) {
        return find(name, ShardStoreProvider.class.getClassLoader());
    }
}
