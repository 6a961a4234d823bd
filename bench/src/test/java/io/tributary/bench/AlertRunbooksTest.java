package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every alert rule links to its runbook: a {@code runbook_url} naming a heading of {@code docs/operations.md} that
 * exists; and the promtool unit tests cover every rule. (promtool itself runs in {@code .ci/run}.)
 */
class AlertRunbooksTest {
    private static final Path OPERATIONS = OperationsDoc.PATH;
    private static final Path RULE_TESTS = Path.of("../deploy/prometheus/tributary-alerts.test.yaml");

    @Test
    void everyRule_hasARunbookUrlToAnExistingSectionOfOperations() throws IOException {
        Set<String> anchors = OperationsDoc.anchors();
        List<String> rules = alerts();
        assertThat(rules).isNotEmpty();
        String yaml = Files.readString(MetricsReferenceIT.RULES, StandardCharsets.UTF_8);
        for (String rule : rules.stream().distinct().toList()) {
            Matcher m = Pattern.compile("- alert: " + rule + "\\n(?:(?!- alert:).*\\n)*?\\s*runbook_url: \"([^\"]*)\"")
                    .matcher(yaml);
            assertThat(m.find()).as("a runbook_url in rule %s", rule).isTrue();
            String url = m.group(1);
            assertThat(url).as("runbook of %s", rule).startsWith("docs/operations.md#");
            assertThat(anchors)
                    .as("a section of %s for %s", OPERATIONS, url)
                    .contains(url.substring(url.indexOf('#') + 1));
        }
    }

    @Test
    void everyRule_hasPromtoolUnitTests() throws IOException {
        String tests = Files.readString(RULE_TESTS, StandardCharsets.UTF_8);
        Set<String> tested = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*alertname: (\\w+)").matcher(tests);
        while (m.find()) {
            tested.add(m.group(1));
        }
        assertThat(tested).containsExactlyInAnyOrderElementsOf(new TreeSet<>(alerts()));
    }

    static List<String> alerts() throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*- alert: (\\w+)")
                .matcher(Files.readString(MetricsReferenceIT.RULES, StandardCharsets.UTF_8));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
