package io.tributary.bench;

import io.tributary.protocol.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./tributary bench <what>}: benchmarks that end with one JSON line. Results go to docs/benchmarks.md. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks on this machine; each ends with one JSON line. See docs/benchmarks.md.",
        subcommands = {
            HubBench.class,
            ConsumeLatencyBench.class,
            FanoutBench.class,
            E2eBench.class,
            EdgeBench.class,
            PubSubBench.class,
            ReplicationBench.class
        })
public final class BenchMain implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "name a benchmark: hub, consume-latency, fanout, e2e, edge, pubsub or replication");
    }

    public static void main(String[] args) {
        System.exit(Cli.execute("bench", new BenchMain(), args));
    }
}
