package io.tributary.sim;

/**
 * What happened in one second of a run. Immutable.
 *
 * @param second seconds since the run started (connect phase included), 1 for the first
 * @param published publishes in this second
 * @param acked success acknowledgements in this second
 * @param errors refused and failed publishes, failed connects and unexpected disconnects in this second
 * @param connected devices connected at the end of the second
 * @param inflight publishes awaiting acknowledgement at the end of the second
 * @param ackP50Ms median acknowledgement latency of this second's acknowledgements, ms
 */
public record SecondSample(
        int second,
        long published,
        long acked,
        long errors,
        int connected,
        int inflight,
        double ackP50Ms,
        double ackP90Ms,
        double ackP99Ms,
        double ackMaxMs) {}
