package io.tributary.sim;

import io.tributary.sim.load.RateProfile;
import io.tributary.sim.payload.PayloadCodec;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Mutable builder of {@link SimConfig}; each field starts at the default named in its setter. Not thread-safe. */
public final class SimConfigBuilder {
    private final String host;
    private final int port;
    private int devices = 100;
    private int groups = 10;
    private RateProfile profile = new RateProfile.Constant(1000);
    private Duration duration = Duration.ofSeconds(10);
    private long count;
    private int qos = 1;
    private int mqttVersion = 5;
    private PayloadCodec codec = PayloadCodec.json();
    private double skew;
    private double churnFraction;
    private Duration churnEvery = Duration.ZERO;
    private Duration offlineFor = Duration.ZERO;
    private boolean persistentSessions;
    private Duration sessionExpiry = Duration.ofMinutes(5);
    private String username;
    private String password;
    private String clientIdPrefix = "sim-";
    private List<InetAddress> localAddresses = List.of();
    private int ioThreads;
    private int maxInflight = 20_000;
    private int connectConcurrency = 256;
    private Duration drainTimeout = Duration.ofSeconds(10);
    private long seed = 1;

    SimConfigBuilder(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Devices {@code d-0 .. d-(n-1)}; default 100. */
    public SimConfigBuilder devices(int n) {
        this.devices = n;
        return this;
    }

    /** Groups {@code g-0 .. g-(n-1)}; device i is in group i mod n; default 10. */
    public SimConfigBuilder groups(int n) {
        this.groups = n;
        return this;
    }

    /** Default constant 1000/s. */
    public SimConfigBuilder profile(RateProfile profile) {
        this.profile = profile;
        return this;
    }

    /** Default 10 s; {@link Duration#ZERO} with a count means "until the count". */
    public SimConfigBuilder duration(Duration duration) {
        this.duration = duration;
        return this;
    }

    /** Default 0 (no count limit). */
    public SimConfigBuilder count(long count) {
        this.count = count;
        return this;
    }

    /** Default 1. */
    public SimConfigBuilder qos(int qos) {
        this.qos = qos;
        return this;
    }

    /** 3 (3.1.1) or 5; default 5. */
    public SimConfigBuilder mqttVersion(int version) {
        this.mqttVersion = version;
        return this;
    }

    /** Default JSON. */
    public SimConfigBuilder codec(PayloadCodec codec) {
        this.codec = codec;
        return this;
    }

    /** Zipf exponent over groups; default 0 (uniform). */
    public SimConfigBuilder skew(double skew) {
        this.skew = skew;
        return this;
    }

    /** Every {@code every}, {@code fraction} of the devices go offline for {@code offlineFor}; default off. */
    public SimConfigBuilder churn(double fraction, Duration every, Duration offlineFor) {
        this.churnFraction = fraction;
        this.churnEvery = every;
        this.offlineFor = offlineFor;
        return this;
    }

    /** Default false (clean sessions); {@code expiry} default 5 min. */
    public SimConfigBuilder persistentSessions(boolean persistent, Duration expiry) {
        this.persistentSessions = persistent;
        this.sessionExpiry = expiry;
        return this;
    }

    /** Default anonymous; {@code password} may be null. */
    public SimConfigBuilder credentials(String username, String password) {
        this.username = username;
        this.password = password;
        return this;
    }

    /** Client ids are {@code prefix + device id}; default {@code sim-}. */
    public SimConfigBuilder clientIdPrefix(String prefix) {
        this.clientIdPrefix = prefix;
        return this;
    }

    /** Default empty (the OS chooses). */
    public SimConfigBuilder localAddresses(List<InetAddress> addresses) {
        this.localAddresses = addresses;
        return this;
    }

    /** Default 0 (the HiveMQ client's default). */
    public SimConfigBuilder ioThreads(int n) {
        this.ioThreads = n;
        return this;
    }

    /** Default 20,000. */
    public SimConfigBuilder maxInflight(int n) {
        this.maxInflight = n;
        return this;
    }

    /** Default 256. */
    public SimConfigBuilder connectConcurrency(int n) {
        this.connectConcurrency = n;
        return this;
    }

    /** Default 10 s. */
    public SimConfigBuilder drainTimeout(Duration timeout) {
        this.drainTimeout = timeout;
        return this;
    }

    /** Seed of the skew and churn choices; default 1. */
    public SimConfigBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public SimConfig build() {
        return new SimConfig(
                host,
                port,
                devices,
                groups,
                profile,
                duration,
                count,
                qos,
                mqttVersion,
                codec,
                skew,
                churnFraction,
                churnEvery,
                offlineFor,
                persistentSessions,
                sessionExpiry,
                Optional.ofNullable(username),
                Optional.ofNullable(password),
                clientIdPrefix,
                localAddresses,
                ioThreads,
                maxInflight,
                connectConcurrency,
                drainTimeout,
                seed);
    }
}
