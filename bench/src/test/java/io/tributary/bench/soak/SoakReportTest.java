package io.tributary.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakReportTest {
    @TempDir
    Path dir;

    private static final List<String> MEASURES = List.of("hub_threads", "group_lag_records");
    private static final List<SoakReport.Sample> SAMPLES = List.of(
            new SoakReport.Sample(10.0, Map.of("hub_threads", 30.0, "group_lag_records", Double.NaN)),
            new SoakReport.Sample(20.5, Map.of("hub_threads", 31.0, "group_lag_records", 12.25)));

    @Test
    void csv_hasOneRowPerSample_andNaNForMissingValues() throws Exception {
        SoakReport.writeCsv(dir.resolve("s.csv"), MEASURES, SAMPLES);
        assertThat(Files.readAllLines(dir.resolve("s.csv")))
                .containsExactly("elapsed_seconds,hub_threads,group_lag_records", "10,30,NaN", "20.50,31,12.25");
    }

    @Test
    void html_isSelfContained_withAChartPerMeasure_andTheVerdicts() throws Exception {
        Flatness.Verdict bad = new Flatness.Verdict("hub_threads", 30, 40, 34, false, "GREW <a lot>");
        SoakReport.writeHtml(dir.resolve("r.html"), "run", List.of("fact & figure"), List.of(bad), MEASURES, SAMPLES);
        String html = Files.readString(dir.resolve("r.html"));
        assertThat(html.split("<svg", -1)).hasSize(MEASURES.size() + 1);
        assertThat(html).contains("NOT FLAT", "GREW &lt;a lot&gt;", "fact &amp; figure");
        assertThat(html).doesNotContain("<script", "https://", "src=", "href=");
    }

    @Test
    void chart_plotsOnlyTheSamplesThatWereTaken() {
        String svg = SoakReport.chart("group_lag_records", SAMPLES);
        String points = svg.substring(svg.indexOf("points=\"") + 8, svg.lastIndexOf('"'));
        assertThat(points.trim().split(" ")).hasSize(1);
    }

    @Test
    void prometheusSeries_areSummedOverTheirLabels() {
        String exposition = "# HELP tributary_group_lag_records lag\n"
                + "# TYPE tributary_group_lag_records gauge\n"
                + "tributary_group_lag_records{group=\"g\",shard=\"s0\"} 5.0\n"
                + "tributary_group_lag_records{group=\"g\",shard=\"s1\"} NaN\n"
                + "tributary_group_lag_records{group=\"g\",shard=\"s2\"} 7.0\n"
                + "tributary_group_lag_records_total 100.0\n"
                + "tributary_edge_buffer_records 3.0\n";
        assertThat(ProcessProbe.sumSeries(exposition, "tributary_group_lag_records"))
                .isEqualTo(12.0);
        assertThat(ProcessProbe.sumSeries(exposition, "tributary_edge_buffer_records"))
                .isEqualTo(3.0);
        assertThat(ProcessProbe.sumSeries(exposition, "tributary_missing")).isNaN();
    }
}
