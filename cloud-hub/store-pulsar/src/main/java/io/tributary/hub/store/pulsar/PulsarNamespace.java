package io.tributary.hub.store.pulsar;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's namespace: created and given the policies the store relies on ({@link PulsarAdminRest#configureNamespace})
 * and its replication clusters ({@link GeoReplication}) once, and the check at start that both of the brokers' URLs
 * answer. Threads: its owner's lock (the store's).
 */
final class PulsarNamespace {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarNamespace.class);

    private final PulsarStoreConfig config;
    private final PulsarAdminRest admin;
    private final PulsarClient client;
    private boolean ready;

    PulsarNamespace(PulsarStoreConfig config, PulsarAdminRest admin, PulsarClient client) {
        this.config = config;
        this.admin = admin;
        this.client = client;
    }

    /**
     * Checks that the brokers answer on both URLs before the store is used: the admin API (preparing the namespace as
     * {@link #open} would, or listing the tenant's namespaces when {@link PulsarStoreConfig#configureNamespace()} is
     * off) and the binary protocol (a topic lookup that creates nothing). A hub calls it at start so that it does not
     * come up on a broker it cannot reach.
     *
     * @throws IOException saying which URL failed and how
     */
    void checkReachable() throws IOException {
        try {
            if (config.configureNamespace()) {
                prepare();
            } else {
                admin.listNamespaces(config.tenant());
            }
        } catch (IOException e) {
            throw new IOException("Pulsar admin API at " + config.adminUrl() + " failed: " + describe(e), e);
        }
        String probe = "persistent://" + config.tenant() + "/" + config.namespace() + "/__tributary-probe";
        try {
            client.getPartitionsForTopic(probe, false)
                    .get(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reaching Pulsar at " + config.serviceUrl(), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause =
                    e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof PulsarClientException.TopicDoesNotExistException) {
                return; // the brokers answered: the probe topic does not exist (and was not created)
            }
            throw new IOException(
                    "Pulsar brokers at " + config.serviceUrl() + " failed a topic lookup (bound "
                            + config.operationTimeout().toMillis() + " ms): " + describe(cause),
                    cause);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Creates the namespace and sets its policies, once, unless {@link PulsarStoreConfig#configureNamespace()} is off. */
    void prepare() throws IOException {
        if (ready || !config.configureNamespace()) {
            return;
        }
        admin.createNamespace(config.tenant(), config.namespace());
        admin.configureNamespace(config.tenant(), config.namespace());
        GeoReplication.configure(config, admin);
        ready = true;
        LOG.info(
                "namespace {}/{}: infinite retention, inactive topics kept, no automatic topic creation",
                config.tenant(),
                config.namespace());
    }
}
