package dev.joblet.cgroups;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The limits of one job cgroup. Immutable and thread-safe; built with {@link #builder()}, whose
 * {@link Builder} is not thread-safe. Every builder method validates its argument at once and throws
 * {@link IllegalArgumentException} naming the field and the bad value.
 *
 * <p>Mapping to the kernel's files (v2 / v1):
 * <ul>
 *   <li>{@code cpuPercent}: {@code cpu.max "<pct*1000> 100000"} / {@code cpu.cfs_quota_us} with
 *       {@code cpu.cfs_period_us = 100000}.
 *   <li>{@code cpuWeight} (1..10000, default of the kernel 100): {@code cpu.weight} / {@code cpu.shares =
 *       weight * 1024 / 100} (so 100 maps to the v1 default 1024), clamped to 2..262144.
 *   <li>{@code memoryMaxBytes}: {@code memory.max} (and {@code memory.oom.group = 1}) /
 *       {@code memory.limit_in_bytes}; the kernel's OOM killer stays enabled. Kernel memory (slab: inodes,
 *       dentries, files, sockets' structures; page tables) counts against it on both. Socket buffers count
 *       against {@code memory.max} on v2; on v1 they are counted only once {@code memory.kmem.tcp.limit_in_bytes} is
 *       written, and apart, so that file gets the same value.
 *   <li>{@code memoryHighBytes}: {@code memory.high} / {@code memory.soft_limit_in_bytes} (v1 has no
 *       throttling threshold; the soft limit only steers reclaim under global pressure).
 *   <li>{@code swapMaxBytes}: defaults to 0 when {@code memoryMaxBytes} is set, so that the memory limit is
 *       real. {@code memory.swap.max} / {@code memory.memsw.limit_in_bytes = memoryMax + swapMax} when the
 *       host has swap accounting; without it, a swap max of 0 becomes {@code memory.swappiness = 0} and any
 *       other value fails at create time.
 *   <li>{@code pidsMax}: {@code pids.max}. No default here (the caller decides the default).
 *   <li>{@code cpusetCpus}, {@code cpusetMems}: {@code cpuset.cpus}, {@code cpuset.mems}; on v1, where both are
 *       required, mems defaults to the parent's effective mems (and cpus to the parent's cpus).
 *   <li>{@code io}: see {@link IoLimit}.
 * </ul>
 */
public final class CgroupLimits {
    /** Smallest accepted memory limit: below one MiB not even a shell can start. */
    public static final long MIN_MEMORY_BYTES = 1L << 20;
    /** Largest accepted CPU percent (1024 cores). */
    public static final int MAX_CPU_PERCENT = 102_400;

    private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
    private static final CgroupLimits NONE = builder().build();

    private final @Nullable Integer cpuPercent;
    private final @Nullable Integer cpuWeight;
    private final @Nullable Long memoryMaxBytes;
    private final @Nullable Long memoryHighBytes;
    private final @Nullable Long swapMaxBytes;
    private final @Nullable Long pidsMax;
    private final @Nullable String cpusetCpus;
    private final @Nullable String cpusetMems;
    private final List<IoLimit> ioLimits;

    private CgroupLimits(Builder b) {
        this.cpuPercent = b.cpuPercent;
        this.cpuWeight = b.cpuWeight;
        this.memoryMaxBytes = b.memoryMaxBytes;
        this.memoryHighBytes = b.memoryHighBytes;
        this.swapMaxBytes = b.swapMaxBytes;
        this.pidsMax = b.pidsMax;
        this.cpusetCpus = b.cpusetCpus;
        this.cpusetMems = b.cpusetMems;
        this.ioLimits = List.copyOf(b.ioLimits);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** No limits at all: the job cgroup only groups (for stats and kill). */
    public static CgroupLimits none() {
        return NONE;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.cpuPercent = cpuPercent;
        b.cpuWeight = cpuWeight;
        b.memoryMaxBytes = memoryMaxBytes;
        b.memoryHighBytes = memoryHighBytes;
        b.swapMaxBytes = swapMaxBytes;
        b.pidsMax = pidsMax;
        b.cpusetCpus = cpusetCpus;
        b.cpusetMems = cpusetMems;
        b.ioLimits.addAll(ioLimits);
        return b;
    }

    public OptionalInt cpuPercent() {
        return cpuPercent == null ? OptionalInt.empty() : OptionalInt.of(cpuPercent);
    }

    public OptionalInt cpuWeight() {
        return cpuWeight == null ? OptionalInt.empty() : OptionalInt.of(cpuWeight);
    }

    public OptionalLong memoryMaxBytes() {
        return optional(memoryMaxBytes);
    }

    public OptionalLong memoryHighBytes() {
        return optional(memoryHighBytes);
    }

    /** The swap limit: as set, else 0 when a memory max is set, else empty. */
    public OptionalLong swapMaxBytes() {
        if (swapMaxBytes != null) {
            return OptionalLong.of(swapMaxBytes);
        }
        return memoryMaxBytes != null ? OptionalLong.of(0) : OptionalLong.empty();
    }

    public OptionalLong pidsMax() {
        return optional(pidsMax);
    }

    public Optional<String> cpusetCpus() {
        return Optional.ofNullable(cpusetCpus);
    }

    public Optional<String> cpusetMems() {
        return Optional.ofNullable(cpusetMems);
    }

    /** At most one per device, in the order they were added. */
    public List<IoLimit> ioLimits() {
        return ioLimits;
    }

    /** The controllers these limits need; a driver that lacks one refuses to create the cgroup. */
    public Set<Controller> requiredControllers() {
        Set<Controller> set = EnumSet.noneOf(Controller.class);
        if (cpuPercent != null || cpuWeight != null) {
            set.add(Controller.CPU);
        }
        if (memoryMaxBytes != null || memoryHighBytes != null || swapMaxBytes != null) {
            set.add(Controller.MEMORY);
        }
        if (pidsMax != null) {
            set.add(Controller.PIDS);
        }
        if (cpusetCpus != null || cpusetMems != null) {
            set.add(Controller.CPUSET);
        }
        if (!ioLimits.isEmpty()) {
            set.add(Controller.IO);
        }
        return Set.copyOf(set);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CgroupLimits that)) {
            return false;
        }
        return Objects.equals(cpuPercent, that.cpuPercent)
                && Objects.equals(cpuWeight, that.cpuWeight)
                && Objects.equals(memoryMaxBytes, that.memoryMaxBytes)
                && Objects.equals(memoryHighBytes, that.memoryHighBytes)
                && Objects.equals(swapMaxBytes, that.swapMaxBytes)
                && Objects.equals(pidsMax, that.pidsMax)
                && Objects.equals(cpusetCpus, that.cpusetCpus)
                && Objects.equals(cpusetMems, that.cpusetMems)
                && ioLimits.equals(that.ioLimits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cpuPercent, cpuWeight, memoryMaxBytes, memoryHighBytes, swapMaxBytes, pidsMax,
                cpusetCpus, cpusetMems, ioLimits);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CgroupLimits{");
        append(sb, "cpuPercent", cpuPercent);
        append(sb, "cpuWeight", cpuWeight);
        append(sb, "memoryMaxBytes", memoryMaxBytes);
        append(sb, "memoryHighBytes", memoryHighBytes);
        append(sb, "swapMaxBytes", swapMaxBytes);
        append(sb, "pidsMax", pidsMax);
        append(sb, "cpusetCpus", cpusetCpus);
        append(sb, "cpusetMems", cpusetMems);
        if (!ioLimits.isEmpty()) {
            append(sb, "io", ioLimits);
        }
        return sb.append('}').toString();
    }

    private static void append(StringBuilder sb, String name, @Nullable Object value) {
        if (value != null) {
            if (sb.charAt(sb.length() - 1) != '{') {
                sb.append(", ");
            }
            sb.append(name).append('=').append(value);
        }
    }

    private static OptionalLong optional(@Nullable Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** Validates a canonical CPU or memory-node list such as {@code "0-3,5"}; returns it unchanged. */
    static String requireCpuList(String field, String list) {
        Objects.requireNonNull(list, field);
        if (!CPU_LIST.matcher(list).matches()) {
            throw new IllegalArgumentException(
                    String.format("%s (\"%s\") is not a list like \"0-3,5\"", field, list));
        }
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            if (dash > 0) {
                long lo = parseIndex(field, list, part.substring(0, dash));
                long hi = parseIndex(field, list, part.substring(dash + 1));
                if (lo > hi) {
                    throw new IllegalArgumentException(
                            String.format("%s (\"%s\") has a descending range \"%s\"", field, list, part));
                }
            } else {
                parseIndex(field, list, part);
            }
        }
        return list;
    }

    private static long parseIndex(String field, String list, String number) {
        if (number.length() > 5) {
            throw new IllegalArgumentException(
                    String.format("%s (\"%s\") has an index out of range: %s", field, list, number));
        }
        return Long.parseLong(number);
    }

    /** Builds {@link CgroupLimits}. Not thread-safe. Each method validates its argument. */
    public static final class Builder {
        private @Nullable Integer cpuPercent;
        private @Nullable Integer cpuWeight;
        private @Nullable Long memoryMaxBytes;
        private @Nullable Long memoryHighBytes;
        private @Nullable Long swapMaxBytes;
        private @Nullable Long pidsMax;
        private @Nullable String cpusetCpus;
        private @Nullable String cpusetMems;
        private final List<IoLimit> ioLimits = new ArrayList<>();

        private Builder() {}

        /** CPU bandwidth in percent of one core: 50 is half a core, 200 two cores. */
        public Builder cpuPercent(int pctOfOneCore) {
            if (pctOfOneCore <= 0 || pctOfOneCore > MAX_CPU_PERCENT) {
                throw new IllegalArgumentException(String.format(
                        "cpuPercent (%s) must be in 1..%s", pctOfOneCore, MAX_CPU_PERCENT));
            }
            this.cpuPercent = pctOfOneCore;
            return this;
        }

        /** Relative CPU weight, 1..10000 (the kernel's default is 100). */
        public Builder cpuWeight(int weight) {
            if (weight < 1 || weight > 10_000) {
                throw new IllegalArgumentException(String.format("cpuWeight (%s) must be in 1..10000", weight));
            }
            this.cpuWeight = weight;
            return this;
        }

        /** Hard memory limit; the kernel OOM-kills above it. At least {@link #MIN_MEMORY_BYTES}. */
        public Builder memoryMaxBytes(long bytes) {
            this.memoryMaxBytes = requireMemory("memoryMaxBytes", bytes);
            return this;
        }

        /** Memory throttling threshold (v2); the soft limit on v1. At least {@link #MIN_MEMORY_BYTES}. */
        public Builder memoryHighBytes(long bytes) {
            this.memoryHighBytes = requireMemory("memoryHighBytes", bytes);
            return this;
        }

        /** Swap the job may use on top of its memory max; 0 (the default with a memory max) turns swap off. */
        public Builder swapMaxBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException(String.format("swapMaxBytes (%s) must not be negative", bytes));
            }
            this.swapMaxBytes = bytes;
            return this;
        }

        /** Most tasks (processes and threads) the job may have at once. */
        public Builder pidsMax(long max) {
            if (max <= 0) {
                throw new IllegalArgumentException(String.format("pidsMax (%s) must be positive", max));
            }
            this.pidsMax = max;
            return this;
        }

        /** CPUs to pin to, a canonical list such as {@code "0-3,5"}. */
        public Builder cpusetCpus(String list) {
            this.cpusetCpus = requireCpuList("cpusetCpus", list);
            return this;
        }

        /** Memory nodes, a canonical list such as {@code "0"}. */
        public Builder cpusetMems(String list) {
            this.cpusetMems = requireCpuList("cpusetMems", list);
            return this;
        }

        /** Adds an IO limit; at most one per device. */
        public Builder io(IoLimit limit) {
            Objects.requireNonNull(limit, "limit");
            for (IoLimit existing : ioLimits) {
                if (existing.major() == limit.major() && existing.minor() == limit.minor()) {
                    throw new IllegalArgumentException(String.format(
                            "io (%s) repeats device %s, already limited by %s", limit, limit.device(), existing));
                }
            }
            ioLimits.add(limit);
            return this;
        }

        public CgroupLimits build() {
            if (swapMaxBytes != null && memoryMaxBytes == null) {
                throw new IllegalArgumentException(
                        String.format("swapMaxBytes (%s) needs memoryMaxBytes to be set", swapMaxBytes));
            }
            return new CgroupLimits(this);
        }

        private static long requireMemory(String field, long bytes) {
            if (bytes < MIN_MEMORY_BYTES) {
                throw new IllegalArgumentException(String.format(
                        "%s (%s) must be at least %s bytes (1 MiB)", field, bytes, MIN_MEMORY_BYTES));
            }
            return bytes;
        }
    }
}
