package io.tributary.testsupport;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extension reports a blocking call made on a Netty event loop, and only there. */
class NoBlockingOnEventLoopsIT {

    @TempDir
    Path dir;

    @Test
    void fileReadOnAnEventLoop_isReportedWithItsStack_sameReadOnATestThread_isNot() throws Exception {
        NoBlockingOnEventLoops extension = new NoBlockingOnEventLoops();
        extension.beforeAll(null);
        Path file = Files.writeString(dir.resolve("data"), "payload");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            read(file);
            assertThatCode(() -> extension.afterEach(null)).doesNotThrowAnyException();

            group.submit(() -> read(file)).get(10, TimeUnit.SECONDS);

            assertThatThrownBy(() -> extension.afterEach(null))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("blocking calls on a Netty event loop")
                    .hasMessageContaining("java.io.FileInputStream")
                    .hasMessageContaining(NoBlockingOnEventLoopsIT.class.getName() + ".read(");
            assertThatCode(() -> extension.afterAll(null)).as("reported once").doesNotThrowAnyException();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    private static byte[] read(Path file) {
        try (InputStream in = new FileInputStream(file.toFile())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
