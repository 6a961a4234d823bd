package io.tributary.sim.report;

import io.tributary.sim.SimResult;
import io.tributary.sim.ack.LatencySummary;
import io.tributary.sim.verify.VerifyReport;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The end-of-run summary, as text for people and as one JSON line for scripts. The JSON line's keys are stable:
 * {@code type, verdict, devices, groups, qos, mqtt, published, acked, refused, failed, unacknowledged, skipped,
 * connects, connect_failures, disconnects, duration_s, publish_rate, ack_ms{p50,p90,p99,p999,max},
 * verify{...}|null, abort|null}. Stateless.
 */
public final class RunSummary {

    private RunSummary() {}

    /** {@code PASS} when every needed acknowledgement arrived and (when verified) the verifier passed. */
    public static String verdict(SimResult r, Optional<VerifyReport> v) {
        return r.allAcknowledged() && v.map(VerifyReport::passed).orElse(true) ? "PASS" : "FAIL";
    }

    public static String json(SimResult r, Optional<VerifyReport> v) {
        JsonWriter w = new JsonWriter()
                .field("type", "tributary-sim-summary")
                .field("verdict", verdict(r, v))
                .field("devices", r.config().devices())
                .field("groups", r.config().groups())
                .field("qos", r.config().qos())
                .field("mqtt", r.config().mqttVersion() == 5 ? "5" : "3.1.1")
                .field("published", r.published())
                .field("acked", r.acked())
                .field("refused", r.refused())
                .field("failed", r.failed())
                .field("unacknowledged", r.unacknowledged())
                .field("skipped", r.skipped())
                .field("connects", r.connects())
                .field("connect_failures", r.connectFailures())
                .field("disconnects", r.unexpectedDisconnects())
                .field("duration_s", r.loadNanos() / 1e9)
                .field("publish_rate", r.publishRate())
                .raw("ack_ms", latency(r.ackLatency()));
        w.raw("verify", v.map(RunSummary::verifyJson).orElse("null"));
        w.raw(
                "abort",
                r.abortReason()
                        .map(a -> new JsonWriter().field("reason", a).end())
                        .orElse("null"));
        return w.end();
    }

    static String latency(LatencySummary l) {
        return new JsonWriter()
                .field("count", l.count())
                .field("p50", l.p50Ms())
                .field("p90", l.p90Ms())
                .field("p99", l.p99Ms())
                .field("p999", l.p999Ms())
                .field("max", l.maxMs())
                .end();
    }

    private static String verifyJson(VerifyReport v) {
        return new JsonWriter()
                .field("passed", v.passed())
                .field("observed", v.observedTotal())
                .field("lost", v.lost())
                .field("duplicated", v.duplicated())
                .field("out_of_order", v.outOfOrder())
                .field("unexpected", v.unexpected())
                .field("unparseable", v.unparseable())
                .field("problem_devices", v.problemDevices().size())
                .raw("e2e_ms", latency(v.endToEnd()))
                .end();
    }

    public static String text(SimResult r, Optional<VerifyReport> v) {
        StringBuilder sb = new StringBuilder();
        LatencySummary a = r.ackLatency();
        sb.append(String.format(
                Locale.ROOT,
                "%nTributary simulator: %s%n"
                        + "  devices %,d in %,d groups, MQTT %s, QoS %d, %s%n"
                        + "  published %,d in %.1f s (%,.0f msg/s), skipped %,d%n"
                        + "  acked %,d  refused %,d  failed %,d  unacknowledged %,d%n"
                        + "  ack latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n"
                        + "  connects %,d  connect failures %,d  unexpected disconnects %,d%n",
                verdict(r, v),
                r.config().devices(),
                r.config().groups(),
                r.config().mqttVersion() == 5 ? "5" : "3.1.1",
                r.config().qos(),
                r.config().profile().describe(),
                r.published(),
                r.loadNanos() / 1e9,
                r.publishRate(),
                r.skipped(),
                r.acked(),
                r.refused(),
                r.failed(),
                r.unacknowledged(),
                a.p50Ms(),
                a.p90Ms(),
                a.p99Ms(),
                a.p999Ms(),
                a.maxMs(),
                r.connects(),
                r.connectFailures(),
                r.unexpectedDisconnects()));
        appendCounts(sb, "  refusals by reason code: ", r.ledger().refusalsByReason());
        appendCounts(sb, "  failures by cause: ", r.ledger().failuresByCause());
        r.abortReason()
                .ifPresent(reason -> sb.append("  aborted: ").append(reason).append('\n'));
        v.ifPresent(rep -> {
            LatencySummary e = rep.endToEnd();
            sb.append(String.format(
                    Locale.ROOT,
                    "  verify: %s  observed %,d  lost %,d  duplicated %,d  out of order %,d  unexpected %,d%n"
                            + "  end-to-end ms: p50 %.2f  p99 %.2f  max %.2f%n",
                    rep.passed() ? "passed" : "FAILED: " + String.join("; ", rep.failures()),
                    rep.observedTotal(),
                    rep.lost(),
                    rep.duplicated(),
                    rep.outOfOrder(),
                    rep.unexpected(),
                    e.p50Ms(),
                    e.p99Ms(),
                    e.maxMs()));
        });
        return sb.toString();
    }

    private static <K> void appendCounts(StringBuilder sb, String label, Map<K, Long> counts) {
        if (counts.isEmpty()) {
            return;
        }
        sb.append(label);
        counts.forEach((k, n) -> sb.append(k instanceof Integer i ? String.format("0x%02x", i) : k)
                .append('=')
                .append(n)
                .append(' '));
        sb.append('\n');
    }
}
