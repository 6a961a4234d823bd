package io.tributary.hub.cli;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.cli.Cli;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./tributary produce}: sends each line of standard input as one record; ends with a JSON summary line. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Sends each line of standard input as one record to a hub stream and waits for every acknowledgement.",
            "Ends with one JSON line: records acknowledged, failed, duplicates, elapsed time. Exit code 1 if any failed."
        })
public final class ProduceMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HubClientMixin client;

    @Option(names = "--stream", required = true, description = "Stream to write to.")
    String stream;

    // Required, no default: the key picks the shard and the order, and every distinct key is a lane of its own
    // (own sequence, own batches, own de-duplication state on the hub). A fixed default ("stdin") put every line on
    // one shard without saying so; a per-line key (content hash) would make one lane and one batch per line.
    @Option(
            names = "--key",
            required = true,
            description = "Partition key of every record (required): it picks the shard, and the lines keep their"
                    + " order within it. Run one produce per key to spread over shards.")
    String key;

    @Option(
            names = "--codec",
            defaultValue = "lz4",
            description = "Batch compression: lz4, zstd or none (default ${DEFAULT-VALUE}).")
    String codec;

    @Option(names = "--producer-id", description = "Producer id for de-duplication (default: random).")
    String producerId;

    @Option(
            names = "--timeout",
            defaultValue = "2m",
            description = "Give up on a record not acknowledged after this long, e.g. 30s, 2m (default"
                    + " ${DEFAULT-VALUE}); while no hub answers, the producer retries until then.")
    String timeout;

    @Override
    public Integer call() throws Exception {
        client.endpoints(); // a missing or malformed --hub is a usage error before anything starts
        Codec compression =
                switch (codec.toLowerCase(Locale.ROOT)) {
                    case "lz4" -> Codec.CODEC_LZ4;
                    case "zstd" -> Codec.CODEC_ZSTD;
                    case "none" -> Codec.CODEC_NONE;
                    default ->
                        throw new CommandLine.ParameterException(
                                spec.commandLine(), "--codec must be lz4, zstd or none, was " + codec);
                };
        ProducerOptions options = ProducerOptions.defaults(stream)
                .withCodec(compression)
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
        System.exit(Cli.execute("produce", new ProduceMain(), args));
    }
}
