package io.tributary.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

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
            ReplicationBench.class
        })
public final class BenchMain implements Runnable {
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                new CommandLine(this), "name a benchmark: hub, consume-latency, fanout, e2e, edge or replication");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }
}
