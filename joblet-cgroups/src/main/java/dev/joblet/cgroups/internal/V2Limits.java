package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.IoLimit;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes {@link CgroupLimits} into a cgroup v2 directory. Stateless. */
public final class V2Limits {
    private static final Logger LOG = LoggerFactory.getLogger(V2Limits.class);
    /** The CPU period used with {@code cpu.max}, in microseconds. */
    public static final long CPU_PERIOD_MICROS = 100_000;

    private V2Limits() {}

    public static void apply(CgroupFs fs, Path dir, CgroupLimits limits) throws CgroupException {
        if (limits.cpuPercent().isPresent()) {
            fs.write(dir.resolve("cpu.max"), cpuMax(limits.cpuPercent().getAsInt()));
        }
        if (limits.cpuWeight().isPresent()) {
            fs.write(dir.resolve("cpu.weight"), Integer.toString(limits.cpuWeight().getAsInt()));
        }
        if (limits.cpusetCpus().isPresent()) {
            fs.write(dir.resolve("cpuset.cpus"), limits.cpusetCpus().get());
        }
        if (limits.cpusetMems().isPresent()) {
            fs.write(dir.resolve("cpuset.mems"), limits.cpusetMems().get());
        }
        if (limits.memoryHighBytes().isPresent()) {
            fs.write(dir.resolve("memory.high"), Long.toString(limits.memoryHighBytes().getAsLong()));
        }
        if (limits.memoryMaxBytes().isPresent()) {
            fs.write(dir.resolve("memory.max"), Long.toString(limits.memoryMaxBytes().getAsLong()));
            // One OOM kill takes the whole job down rather than leaving it half alive (where the kernel has it).
            fs.writeIfExists(dir.resolve("memory.oom.group"), "1");
        }
        if (limits.swapMaxBytes().isPresent()) {
            long swap = limits.swapMaxBytes().getAsLong();
            Path file = dir.resolve("memory.swap.max");
            boolean written = fs.writeIfExists(file, Long.toString(swap));
            if (!written && swap == 0) {
                LOG.debug("{} absent (no swap accounting): swap cannot be used by the job's cgroup anyway", file);
            } else if (!written) {
                throw new CgroupException("write " + file + ": No such file or directory (swapMaxBytes " + swap
                        + " needs swap accounting)");
            }
        }
        if (limits.pidsMax().isPresent()) {
            fs.write(dir.resolve("pids.max"), Long.toString(limits.pidsMax().getAsLong()));
        }
        for (IoLimit io : limits.ioLimits()) {
            fs.write(dir.resolve("io.max"), ioMax(io));
        }
    }

    /** {@code "<pct*1000> 100000"}. */
    public static String cpuMax(int percent) {
        return (percent * CPU_PERIOD_MICROS / 100) + " " + CPU_PERIOD_MICROS;
    }

    /** {@code "maj:min rbps=.. wbps=.. riops=.. wiops=.."} with {@code max} for 0. */
    public static String ioMax(IoLimit io) {
        return io.device() + " rbps=" + rate(io.readBps()) + " wbps=" + rate(io.writeBps())
                + " riops=" + rate(io.readIops()) + " wiops=" + rate(io.writeIops());
    }

    private static String rate(long value) {
        return value == 0 ? "max" : Long.toString(value);
    }
}
