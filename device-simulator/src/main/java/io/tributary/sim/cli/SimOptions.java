package io.tributary.sim.cli;

import io.tributary.sim.SimConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code sim} command's flags (a picocli mixin) and their translation to a {@link SimConfig}. Not thread-safe. */
final class SimOptions {

    /** Ephemeral ports per source address we plan with (Linux offers about 28,000). */
    static final int DEVICES_PER_SOURCE_ADDRESS = 20_000;

    @Option(
            names = "--mqtt",
            paramLabel = "HOST:PORT",
            description = "Edge agent MQTT endpoint (default ${DEFAULT-VALUE}).")
    String mqtt = "127.0.0.1:1883";

    @Option(names = "--devices", description = "Number of devices (default ${DEFAULT-VALUE}).")
    int devices = 100;

    @Option(
            names = "--groups",
            description = "Number of device groups; device i is in group i mod G (default ${DEFAULT-VALUE}).")
    int groups = 10;

    @Option(
            names = "--rate",
            description = "Total publishes per second, all devices together (default ${DEFAULT-VALUE}).")
    double rate = 1000;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            description = "Length of the load phase; 0 = until --count (default ${DEFAULT-VALUE}).")
    double duration = 10;

    @Option(names = "--count", description = "Stop after this many publishes; 0 = no limit (default ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--qos", description = "0, 1 or 2 (default ${DEFAULT-VALUE}).")
    int qos = 1;

    @Option(names = "--mqtt-version", description = "3 (3.1.1) or 5 (default ${DEFAULT-VALUE}).")
    int mqttVersion = 5;

    @Option(
            names = "--payload",
            description = "json (metrics object) or raw (binary header + filler) (default ${DEFAULT-VALUE}).")
    String payload = "json";

    @Option(names = "--payload-bytes", description = "Size of raw payloads, >= 24 (default ${DEFAULT-VALUE}).")
    int payloadBytes = 100;

    @Option(
            names = "--profile",
            description =
                    "constant, bursty (--rate during --burst-on, silent during --burst-off) or ramp (--ramp-from to --rate) (default ${DEFAULT-VALUE}).")
    String profile = "constant";

    @Option(
            names = "--burst-on",
            paramLabel = "SECONDS",
            description = "Bursty: seconds at --rate (default ${DEFAULT-VALUE}).")
    double burstOn = 1;

    @Option(
            names = "--burst-off",
            paramLabel = "SECONDS",
            description = "Bursty: silent seconds (default ${DEFAULT-VALUE}).")
    double burstOff = 1;

    @Option(names = "--ramp-from", description = "Ramp: starting rate (default ${DEFAULT-VALUE}).")
    double rampFrom;

    @Option(
            names = "--ramp-seconds",
            description = "Ramp: seconds to reach --rate; 0 = --duration (default ${DEFAULT-VALUE}).")
    double rampSeconds;

    @Option(
            names = "--skew",
            description = "Zipf exponent of traffic over groups: 0 uniform, 1 classic Zipf (default ${DEFAULT-VALUE}).")
    double skew;

    @Option(
            names = "--churn",
            paramLabel = "FRACTION",
            description =
                    "Every --churn-every seconds this share of devices drains, disconnects, stays offline --offline seconds and reconnects (default ${DEFAULT-VALUE}).")
    double churn;

    @Option(names = "--churn-every", paramLabel = "SECONDS", description = "Churn interval (default ${DEFAULT-VALUE}).")
    double churnEvery = 10;

    @Option(
            names = "--offline",
            paramLabel = "SECONDS",
            description = "How long a churned device stays offline (default ${DEFAULT-VALUE}).")
    double offline = 2;

    @Option(names = "--session", description = "clean or persistent (default ${DEFAULT-VALUE}).")
    String session = "clean";

    @Option(
            names = "--session-expiry",
            paramLabel = "SECONDS",
            description = "MQTT 5 session expiry of persistent sessions (default ${DEFAULT-VALUE}).")
    long sessionExpiry = 300;

    @Option(names = "--username", description = "MQTT user name (default anonymous).")
    String username;

    @Option(names = "--password", description = "MQTT password.")
    String password;

    @Option(names = "--client-prefix", description = "Client ids are <prefix>d-<n> (default ${DEFAULT-VALUE}).")
    String clientPrefix = "sim-";

    @Option(
            names = "--source-addresses",
            paramLabel = "N",
            description =
                    "Spread connections over 127.0.0.1..127.0.0.N; 0 = automatic (one per 20,000 devices on loopback) (default ${DEFAULT-VALUE}).")
    int sourceAddresses;

    @Option(
            names = "--io-threads",
            description = "Netty threads shared by all clients; 0 = client default (default ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(
            names = "--max-inflight",
            description = "Unacknowledged publishes (all devices) before pacing waits (default ${DEFAULT-VALUE}).")
    int maxInflight = 20_000;

    @Option(names = "--connect-concurrency", description = "Connection attempts at once (default ${DEFAULT-VALUE}).")
    int connectConcurrency = 256;

    @Option(
            names = "--drain-timeout",
            paramLabel = "SECONDS",
            description = "Wait for outstanding acks after the load (default ${DEFAULT-VALUE}).")
    double drainTimeout = 10;

    @Option(names = "--seed", description = "Seed of skew and churn choices (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--report", paramLabel = "FILE.html", description = "Write a self-contained HTML report.")
    Path report;

    @Option(names = "--json-only", description = "Print only the final JSON line (stdout).")
    boolean jsonOnly;

    @Option(
            names = "--verify",
            description =
                    "Verify end to end: read --stream back from --hub while the run goes on and report lost, duplicated and out-of-order records and end-to-end latency.")
    boolean verify;

    @Option(names = "--hub", paramLabel = "HOST:PORT[,HOST:PORT]", description = "Hub to verify against.")
    String hub;

    @Option(names = "--stream", description = "Stream to verify (default ${DEFAULT-VALUE}).")
    String stream = "telemetry";

    @Option(
            names = "--verify-timeout",
            paramLabel = "SECONDS",
            description =
                    "After the run, wait this long at most for every acknowledged record to arrive at the hub (default ${DEFAULT-VALUE}).")
    double verifyTimeout = 30;

    SimConfig toConfig() {
        int colon = mqtt.lastIndexOf(':');
        if (colon <= 0 || colon == mqtt.length() - 1) {
            throw new IllegalArgumentException("--mqtt must be HOST:PORT: " + mqtt);
        }
        String host = mqtt.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(mqtt.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--mqtt port is not a number: " + mqtt);
        }
        if (!session.equals("clean") && !session.equals("persistent")) {
            throw new IllegalArgumentException("--session must be clean or persistent: " + session);
        }
        return SimConfig.builder(host, port)
                .devices(devices)
                .groups(groups)
                .profile(SimMain.profileOf(this))
                .duration(SimMain.duration(duration))
                .count(count)
                .qos(qos)
                .mqttVersion(mqttVersion)
                .codec(SimMain.codecOf(this))
                .skew(skew)
                .churn(churn, SimMain.duration(churnEvery), SimMain.duration(offline))
                .persistentSessions(session.equals("persistent"), java.time.Duration.ofSeconds(sessionExpiry))
                .credentials(username, password)
                .clientIdPrefix(clientPrefix)
                .localAddresses(sources(host))
                .ioThreads(ioThreads)
                .maxInflight(maxInflight)
                .connectConcurrency(connectConcurrency)
                .drainTimeout(SimMain.duration(drainTimeout))
                .seed(seed)
                .build();
    }

    private List<InetAddress> sources(String host) {
        int n = sourceAddresses;
        boolean loopback = host.equals("localhost") || host.startsWith("127.");
        if (n == 0 && loopback && devices > DEVICES_PER_SOURCE_ADDRESS) {
            n = (devices + DEVICES_PER_SOURCE_ADDRESS - 1) / DEVICES_PER_SOURCE_ADDRESS;
        }
        if (n < 0 || n > 254) {
            throw new IllegalArgumentException("--source-addresses must be 0..254: " + n);
        }
        List<InetAddress> out = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                out.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a literal address cannot be unknown", e);
        }
        return out;
    }
}
