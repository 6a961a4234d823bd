package io.tributary.sim.verify;

import io.tributary.sim.ack.LatencySummary;
import java.util.ArrayList;
import java.util.List;

/**
 * The verdict of a run. A run passes only when no acknowledged record is lost, none is duplicated, per-device
 * order held (DESIGN promise 5, so out-of-order fails the run too) and no record of an unknown device or
 * sequence turned up. Refused, failed and unacknowledged publishes are reported but are the edge's honest
 * answers, not a broken promise; the simulator's exit code treats them separately. Immutable.
 *
 * @param devices per device, in device order
 * @param unexpected observations of a device or sequence the run never sent
 * @param unparseable payloads the source could not read an identity from
 * @param endToEnd send-to-observe latency of first observations
 */
public record VerifyReport(
        List<DeviceReport> devices, long observedTotal, long unexpected, long unparseable, LatencySummary endToEnd) {

    public VerifyReport {
        devices = List.copyOf(devices);
    }

    public long sent() {
        return devices.stream().mapToLong(DeviceReport::sent).sum();
    }

    public long acked() {
        return devices.stream().mapToLong(DeviceReport::acked).sum();
    }

    public long lost() {
        return devices.stream().mapToLong(DeviceReport::lost).sum();
    }

    public long duplicated() {
        return devices.stream().mapToLong(DeviceReport::duplicated).sum();
    }

    public long outOfOrder() {
        return devices.stream().mapToLong(DeviceReport::outOfOrder).sum();
    }

    public long refused() {
        return devices.stream().mapToLong(DeviceReport::refused).sum();
    }

    public long failed() {
        return devices.stream().mapToLong(DeviceReport::failed).sum();
    }

    public long unacknowledged() {
        return devices.stream().mapToLong(DeviceReport::unacknowledged).sum();
    }

    /** The run's verdict; see the class javadoc. */
    public boolean passed() {
        return lost() == 0 && duplicated() == 0 && outOfOrder() == 0 && unexpected == 0;
    }

    /** One line per broken promise, empty when {@link #passed()}. */
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        if (lost() > 0) out.add(lost() + " acknowledged records lost");
        if (duplicated() > 0) out.add(duplicated() + " duplicated records");
        if (outOfOrder() > 0) out.add(outOfOrder() + " records out of per-device order");
        if (unexpected > 0) out.add(unexpected + " records of unknown devices or sequences");
        return out;
    }

    /** Devices that are not {@link DeviceReport#clean()}. */
    public List<DeviceReport> problemDevices() {
        return devices.stream().filter(d -> !d.clean()).toList();
    }
}
