/**
 * Bad networks for tests: {@link io.tributary.testsupport.netfault.NetFaultProxy}, a loopback TCP proxy whose faults
 * (latency and jitter, bandwidth cap, stalls, half-open, resets mid-frame, uplink down) a test switches at run time,
 * and {@link io.tributary.testsupport.netfault.NetFaultStats}, what it did. Used between edge and hub
 * ({@code EdgeNetFaultIT}) and between regions ({@code ReplicationNetFaultIT}); docs/reliability.md lists the runs.
 */
package io.tributary.testsupport.netfault;
