package io.tributary.hub.store.pulsar;

import io.tributary.hub.Hub;
import io.tributary.hub.config.HubConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Child process of {@link PulsarCatalogKillIT}: a hub with {@code store=pulsar} that prints {@code PORT <port> .} once
 * it serves, then runs until killed.
 *
 * <p>Arguments: data dir, service URL, admin URL, namespace.
 */
public final class PulsarCatalogHubMain {
    private PulsarCatalogHubMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        flags.put("data-dir", args[0]);
        flags.put("port", "0");
        flags.put("metrics-port", "-1");
        flags.put("store", "pulsar");
        flags.put("pulsar.service-url", args[1]);
        flags.put("pulsar.admin-url", args[2]);
        flags.put("pulsar.namespace", args[3]);
        Hub hub = Hub.start(HubConfig.load(Optional.empty(), Map.of(), flags));
        System.out.println("PORT " + hub.port() + " .");
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGKILL
    }
}
