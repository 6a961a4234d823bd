package io.tributary.hub.store.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Stores are found by name on the class path; the server module itself carries only the local one. */
class ShardStoreProviderTest {
    @Test
    void find_local_isTheBuiltInLocalStore() {
        assertThat(ShardStoreProvider.find("local")).isInstanceOf(LocalStoreProvider.class);
    }

    @Test
    void find_pulsarWithoutItsModule_saysWhatIsMissingAndWhatWasFound() {
        assertThatThrownBy(() -> ShardStoreProvider.find("pulsar"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store 'pulsar' is not on the class path")
                .hasMessageContaining("tributary-hub-store-pulsar")
                .hasMessageContaining("stores found: [local]");
    }
}
