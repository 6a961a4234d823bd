package io.tributary.hub.store.pulsar;

import java.util.List;

/** For tests in other packages: the broker class path, or a skipped (under {@code CI=true} a failed) test. */
public final class PulsarStandaloneAccess {
    private PulsarStandaloneAccess() {}

    public static List<String> classPathOrSkip() {
        return PulsarStandalone.classPathOrSkip();
    }
}
