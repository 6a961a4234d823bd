package io.tributary.hub.cli;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./tributary produce}: sends each line of standard input as one record; ends with a JSON summary line. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        version = "tributary produce 0.1.0",
        description = {
            "Sends each line of standard input as one record to a hub stream and waits for every acknowledgement.",
            "Ends with one JSON line: records acknowledged, failed, duplicates, elapsed time. Exit code 1 if any failed."
        })
public final class ProduceMain implements Callable<Integer> {
    @Mixin
    HubClientMixin client;

    @Option(names = "--stream", required = true, description = "Stream to write to.")
    String stream;

    @Option(names = "--key", defaultValue = "stdin", description = "Partition key (default ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--codec", defaultValue = "lz4", description = "lz4 (default), zstd or none.")
    String codec;

    @Option(names = "--producer-id", description = "Producer id for de-duplication (default: random).")
    String producerId;

    @Option(names = "--timeout", defaultValue = "2m", description = "Give up on a record after this long.")
    String timeout;

    @Override
    public Integer call() throws Exception {
        ProducerOptions options = ProducerOptions.defaults(stream)
                .withCodec(Codec.valueOf("CODEC_" + codec.toUpperCase(Locale.ROOT)))
                .withDeliveryTimeout(io.tributary.protocol.config.Durations.parse(timeout));
        if (producerId != null) {
            options = options.withProducerId(producerId);
        }
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        long start = System.nanoTime();
        String firstError = null;
        try (ClientResources resources = ClientResources.create();
                Producer producer = Producer.create(resources, client.options("tributary-produce"), options)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            CompletableFuture<?> last = CompletableFuture.completedFuture(null);
            String line;
            java.util.List<CompletableFuture<PutResult>> all = new java.util.ArrayList<>();
            while ((line = in.readLine()) != null) {
                CompletableFuture<PutResult> f = producer.put(
                        key,
                        Record.newBuilder()
                                .setContentType(ContentType.CONTENT_TYPE_TEXT)
                                .setPayload(com.google.protobuf.ByteString.copyFromUtf8(line)));
                all.add(f);
                if (all.size() >= 100_000) {
                    firstError = drain(all, acked, failed, duplicates, firstError);
                }
            }
            last.join();
            producer.flush().get();
            firstError = drain(all, acked, failed, duplicates, firstError);
        }
        long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        if (firstError != null) {
            System.err.println("tributary produce: " + failed.get() + " records failed; first error: " + firstError);
        }
        System.out.println(Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("acknowledged", acked.get());
            g.writeNumberField("failed", failed.get());
            g.writeNumberField("duplicates", duplicates.get());
            g.writeNumberField("elapsed_ms", elapsedMs);
            g.writeStringField("stream", stream);
            g.writeEndObject();
        }));
        return failed.get() == 0 ? 0 : 1;
    }

    private static String drain(
            java.util.List<CompletableFuture<PutResult>> all,
            AtomicLong acked,
            AtomicLong failed,
            AtomicLong duplicates,
            String firstError) {
        for (CompletableFuture<PutResult> f : all) {
            try {
                PutResult r = f.join();
                acked.incrementAndGet();
                if (r.duplicate()) {
                    duplicates.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                if (firstError == null) {
                    firstError = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                }
            }
        }
        all.clear();
        return firstError;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProduceMain()).execute(args));
    }
}
