package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.IoLimit;
import java.nio.file.Path;
import java.util.Map;

/** Writes {@link CgroupLimits} into the cgroup v1 directories of one job. Stateless. */
public final class V1Limits {
    /** The CFS period written with a CPU quota, in microseconds. */
    public static final long CPU_PERIOD_MICROS = 100_000;

    private V1Limits() {}

    /**
     * Writes the limits into the job's v1 controller directories.
     *
     * @param dirs the job's directory per v1 controller name ({@code "cpu"}, {@code "memory"}, {@code "blkio"}, ...);
     *     it must hold every controller the limits need
     */
    public static void apply(CgroupFs fs, Map<String, Path> dirs, CgroupLimits limits) throws CgroupException {
        if (limits.cpuPercent().isPresent()) {
            Path cpu = dir(dirs, "cpu");
            fs.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
            fs.write(cpu.resolve("cpu.cfs_quota_us"),
                    Long.toString(limits.cpuPercent().getAsInt() * CPU_PERIOD_MICROS / 100));
        }
        if (limits.cpuWeight().isPresent()) {
            fs.write(dir(dirs, "cpu").resolve("cpu.shares"), Long.toString(shares(limits.cpuWeight().getAsInt())));
        }
        if (limits.requiredControllers().contains(dev.joblet.cgroups.Controller.CPUSET)) {
            writeCpuset(fs, dir(dirs, "cpuset"), limits);
        }
        if (limits.requiredControllers().contains(dev.joblet.cgroups.Controller.MEMORY)) {
            writeMemory(fs, dir(dirs, "memory"), limits);
        }
        if (limits.pidsMax().isPresent()) {
            fs.write(dir(dirs, "pids").resolve("pids.max"), Long.toString(limits.pidsMax().getAsLong()));
        }
        for (IoLimit io : limits.ioLimits()) {
            Path blkio = dir(dirs, "blkio");
            writeIo(fs, blkio.resolve("blkio.throttle.read_bps_device"), io, io.readBps());
            writeIo(fs, blkio.resolve("blkio.throttle.write_bps_device"), io, io.writeBps());
            writeIo(fs, blkio.resolve("blkio.throttle.read_iops_device"), io, io.readIops());
            writeIo(fs, blkio.resolve("blkio.throttle.write_iops_device"), io, io.writeIops());
        }
    }

    private static Path dir(Map<String, Path> dirs, String controller) throws CgroupException {
        Path dir = dirs.get(controller);
        if (dir == null) {
            throw new CgroupException("the limits need the v1 " + controller + " controller, which this job's cgroup "
                    + "does not have (it has " + dirs.keySet() + ")");
        }
        return dir;
    }

    /** v2 weight to v1 shares as systemd maps them: 100 (default) is 1024; clamped to 2..262144. */
    public static long shares(int weight) {
        return Math.max(2, Math.min(262_144, weight * 1024L / 100));
    }

    private static void writeCpuset(CgroupFs fs, Path dir, CgroupLimits limits) throws CgroupException {
        Path parent = CgroupTrees.parent(dir);
        // v1 needs both before a task may join; the missing one is inherited from the parent.
        String cpus = limits.cpusetCpus().orElse(null);
        if (cpus == null) {
            cpus = fs.read(parent.resolve("cpuset.cpus")).strip();
        }
        String mems = limits.cpusetMems().orElse(null);
        if (mems == null) {
            mems = fs.read(parent.resolve("cpuset.mems")).strip();
        }
        fs.write(dir.resolve("cpuset.cpus"), cpus);
        fs.write(dir.resolve("cpuset.mems"), mems);
    }

    private static void writeMemory(CgroupFs fs, Path dir, CgroupLimits limits) throws CgroupException {
        if (limits.memoryHighBytes().isPresent()) {
            fs.write(dir.resolve("memory.soft_limit_in_bytes"), Long.toString(limits.memoryHighBytes().getAsLong()));
        }
        if (limits.memoryMaxBytes().isEmpty()) {
            return;
        }
        long max = limits.memoryMaxBytes().getAsLong();
        // 0 = oom_kill_disable off: the kernel OOM-kills in this cgroup instead of pausing it.
        fs.writeIfExists(dir.resolve("memory.oom_control"), "0");
        fs.write(dir.resolve("memory.limit_in_bytes"), Long.toString(max));
        // v1 charges kernel memory (slab, inodes, dentries, page tables) to the limit above, but socket buffers only
        // once this is written, and to a counter of their own: without it a job could pin TCP buffers up to the
        // host's tcp_mem. Bounded by the same amount (the two add up to at most twice the limit).
        fs.write(dir.resolve("memory.kmem.tcp.limit_in_bytes"), Long.toString(max));
        long swap = limits.swapMaxBytes().orElse(0);
        Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
        if (fs.writeIfExists(memsw, Long.toString(max + swap))) {
            return;
        }
        if (swap == 0) {
            // No swap accounting: the closest to "no swap" is to stop reclaiming this cgroup's memory to swap.
            fs.write(dir.resolve("memory.swappiness"), "0");
        } else {
            throw new CgroupException("write " + memsw + ": No such file or directory (swapMaxBytes " + swap
                    + " needs swap accounting, e.g. the kernel parameter swapaccount=1)");
        }
    }

    private static void writeIo(CgroupFs fs, Path file, IoLimit io, long value) throws CgroupException {
        if (value > 0) {
            fs.write(file, io.device() + " " + value);
        }
    }
}
