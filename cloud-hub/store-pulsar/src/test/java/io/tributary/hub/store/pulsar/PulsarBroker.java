package io.tributary.hub.store.pulsar;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link PulsarStandalone} for the whole test run (a start costs about 3 s and 3-8 CPU-seconds): started by the
 * first test class that registers this extension, kept in JUnit's root store, killed when the run ends. Test classes
 * isolate themselves by topic (shard) names, not by brokers. Skips (or, with {@code CI=true}, fails) the class when
 * the broker's class path cannot be resolved.
 */
final class PulsarBroker implements BeforeAllCallback {
    private PulsarStandalone broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        List<String> classPath = PulsarStandalone.classPathOrSkip();
        broker = context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(
                        PulsarStandalone.class,
                        k -> {
                            try {
                                Path work = Path.of(System.getProperty("tributary.pulsar.workDir", "target/pulsar"));
                                return PulsarStandalone.start(
                                        work.resolve("broker-"
                                                + ProcessHandle.current().pid()),
                                        classPath);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        },
                        PulsarStandalone.class);
    }

    PulsarStandalone broker() {
        return broker;
    }
}
