package io.tributary.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValuesTest {

    private static final List<ConfigKey> SCHEMA = List.of(
            new ConfigKey("port", "int", "7400", "A port."),
            new ConfigKey("metrics-port", "int", "-1", "A port -1 turns off."),
            new ConfigKey("threads", "int", "2", "A bounded number."),
            new ConfigKey("frame", "size", "8MiB", "A bounded size."),
            new ConfigKey("quota", "size", "1GiB", "A size with a floor."),
            new ConfigKey("lease", "duration", "10s", "A duration with a floor."),
            new ConfigKey("interval", "duration", "30s", "A positive duration."),
            new ConfigKey("ttl", "duration", "0s", "A duration that may be zero."),
            new ConfigKey("cert", "path", "", "A certificate."),
            new ConfigKey("key", "path", "", "Its key."));

    @TempDir
    Path dir;

    private static ConfigValues flags(Map<String, String> flags) {
        return ConfigValues.resolve(SCHEMA, Optional.empty(), Map.of(), "TEST_", flags);
    }

    private static List<String> problems(ConfigValues v) {
        ConfigException e = catchThrowableOfType(v::validate, ConfigException.class);
        return e == null ? List.of() : e.problems();
    }

    @Test
    void typedChecks_defaultsInRange_noProblemAndTheValues() {
        ConfigValues v = flags(Map.of());

        assertThat(v.port("port")).isEqualTo(7400);
        assertThat(v.portOrOff("metrics-port")).isEqualTo(-1);
        assertThat(v.integer("threads", 1, 64)).isEqualTo(2);
        assertThat(v.size("frame", 1024, 256L << 20)).isEqualTo(8L << 20);
        assertThat(v.sizeAtLeast("quota", 1 << 20)).isEqualTo(1L << 30);
        assertThat(v.durationAtLeast("lease", Duration.ofMillis(100))).isEqualTo(Duration.ofSeconds(10));
        assertThat(v.positiveDuration("interval")).isEqualTo(Duration.ofSeconds(30));
        assertThat(v.nonNegativeDuration("ttl")).isEqualTo(Duration.ZERO);
        assertThat(v.existingFile("cert")).isEmpty();
        assertThat(v.bothOrNeither("cert", "key")).isTrue();
        assertThatCode(v::validate).doesNotThrowAnyException();
    }

    @Test
    void port_outside0to65535_isAProblemNamingTheRangeAndOrigin() {
        ConfigValues v = flags(Map.of("port", "70000"));

        assertThat(v.port("port")).isEqualTo(70000);
        assertThat(problems(v)).containsExactly("port must be 0..65535 (from command line)");
    }

    @Test
    void port_edgesOfTheRange_areAccepted() {
        ConfigValues v = flags(Map.of("port", "0", "metrics-port", "65535"));

        assertThat(v.port("port")).isZero();
        assertThat(v.port("metrics-port")).isEqualTo(65535);
        assertThat(problems(v)).isEmpty();
    }

    @Test
    void port_minusOne_isAProblemUnlessTheKeyMayBeOff() {
        ConfigValues v = flags(Map.of("port", "-1", "metrics-port", "-1"));

        v.port("port");
        v.portOrOff("metrics-port");

        assertThat(problems(v)).containsExactly("port must be 0..65535 (from command line)");
    }

    @Test
    void portOrOff_belowMinusOneOrAbove65535_isAProblem() {
        ConfigValues low = flags(Map.of("metrics-port", "-2"));
        ConfigValues high = flags(Map.of("metrics-port", "65536"));

        low.portOrOff("metrics-port");
        high.portOrOff("metrics-port");

        assertThat(problems(low)).containsExactly("metrics-port must be -1 (off) or 0..65535 (from command line)");
        assertThat(problems(high)).containsExactly("metrics-port must be -1 (off) or 0..65535 (from command line)");
    }

    @Test
    void integerInRange_outside_isAProblemNamingTheBounds() {
        ConfigValues v = flags(Map.of("threads", "0"));

        assertThat(v.integer("threads", 1, 64)).isZero();
        assertThat(problems(v)).containsExactly("threads must be 1..64 (from command line)");
    }

    @Test
    void integerInRange_notANumber_reportsTheParseProblemToo() {
        ConfigValues v = flags(Map.of("threads", "many"));

        v.integer("threads", 1, 64);

        assertThat(problems(v))
                .containsExactly(
                        "threads must be a whole number, got 'many' (from command line)",
                        "threads must be 1..64 (from command line)");
    }

    @Test
    void sizeInRange_outside_namesTheBoundsInBinaryUnits() {
        ConfigValues small = flags(Map.of("frame", "12"));
        ConfigValues large = flags(Map.of("frame", "1GiB"));

        small.size("frame", 1024, 256L << 20);
        large.size("frame", 1024, 256L << 20);

        assertThat(problems(small)).containsExactly("frame must be between 1KiB and 256MiB (from command line)");
        assertThat(problems(large)).containsExactly("frame must be between 1KiB and 256MiB (from command line)");
    }

    @Test
    void sizeAtLeast_below_namesTheFloor() {
        ConfigValues v = flags(Map.of("quota", "512KiB"));

        assertThat(v.sizeAtLeast("quota", 1 << 20)).isEqualTo(512L << 10);
        assertThat(problems(v)).containsExactly("quota must be at least 1MiB (from command line)");
    }

    @Test
    void durationAtLeast_below_namesTheFloor() {
        ConfigValues v = flags(Map.of("lease", "99ms"));

        v.durationAtLeast("lease", Duration.ofMillis(100));

        assertThat(problems(v)).containsExactly("lease must be at least 100ms (from command line)");
    }

    @Test
    void durationAtLeast_exactlyTheFloor_isAccepted() {
        ConfigValues v = flags(Map.of("lease", "100ms"));

        v.durationAtLeast("lease", Duration.ofMillis(100));

        assertThat(problems(v)).isEmpty();
    }

    @Test
    void positiveDuration_zeroNegativeOrUnderAMillisecond_isAProblem() {
        for (String value : List.of("0s", "-1s", "PT0.0005S")) {
            ConfigValues v = flags(Map.of("interval", value));

            v.positiveDuration("interval");

            assertThat(problems(v)).as(value).containsExactly("interval must be positive (from command line)");
        }
    }

    @Test
    void positiveDuration_oneMillisecond_isAccepted() {
        ConfigValues v = flags(Map.of("interval", "1ms"));

        assertThat(v.positiveDuration("interval")).isEqualTo(Duration.ofMillis(1));
        assertThat(problems(v)).isEmpty();
    }

    @Test
    void nonNegativeDuration_negative_isAProblem() {
        ConfigValues v = flags(Map.of("ttl", "-5s"));

        assertThat(v.nonNegativeDuration("ttl")).isEqualTo(Duration.ofSeconds(-5));
        assertThat(problems(v)).containsExactly("ttl must not be negative (from command line)");
    }

    @Test
    void existingFile_presentFile_returnedWithoutProblem() throws IOException {
        Path cert = Files.writeString(dir.resolve("a.crt"), "cert");
        ConfigValues v = flags(Map.of("cert", cert.toString()));

        assertThat(v.existingFile("cert")).contains(cert);
        assertThat(problems(v)).isEmpty();
    }

    @Test
    void existingFile_missingFileOrADirectory_isAProblemButStillReturned() {
        Path missing = dir.resolve("missing.crt");
        ConfigValues v = flags(Map.of("cert", missing.toString(), "key", dir.toString()));

        assertThat(v.existingFile("cert")).contains(missing);
        assertThat(v.existingFile("key")).contains(dir);
        assertThat(problems(v))
                .containsExactly(
                        "cert file " + missing + " does not exist (from command line)",
                        "key file " + dir + " does not exist (from command line)");
    }

    @Test
    void bothOrNeither_onlyOneSet_isAProblemAgainstTheFirst() {
        ConfigValues certOnly = flags(Map.of("cert", "a.crt"));
        ConfigValues keyOnly = flags(Map.of("key", "a.key"));

        assertThat(certOnly.bothOrNeither("cert", "key")).isFalse();
        assertThat(keyOnly.bothOrNeither("cert", "key")).isFalse();

        assertThat(problems(certOnly)).containsExactly("cert and key must be set together (from command line)");
        assertThat(problems(keyOnly)).containsExactly("cert and key must be set together (from default)");
    }

    @Test
    void bothOrNeither_bothSet_holds() {
        ConfigValues v = flags(Map.of("cert", "a.crt", "key", "a.key"));

        assertThat(v.bothOrNeither("cert", "key")).isTrue();
        assertThat(problems(v)).isEmpty();
    }
}
