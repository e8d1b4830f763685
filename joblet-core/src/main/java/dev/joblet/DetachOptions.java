package dev.joblet;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a job is started detached ({@link Joblet#startDetached(JobSpec, DetachOptions)}): a name shown by
 * {@code rnx job list} and the most bytes its log on disk may hold. The log keeps everything while under the cap;
 * the record that would cross it is shortened, a cut record marks where each stream stopped being logged, and the
 * job runs on (its output still read and counted, see {@link DetachedStatus#logCut()}). Immutable.
 *
 * @param name up to 64 printable characters, or null for none
 * @param logCap 4 KiB to 4 GiB - 1
 */
public record DetachOptions(@Nullable String name, MemorySize logCap) {
    /** No name, a 64 MiB log. */
    public static final DetachOptions DEFAULT = new DetachOptions(null, MemorySize.ofMegabytes(64));

    public DetachOptions {
        if (name != null && (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(c -> c >= 0x20 && c != 0x7f))) {
            throw new IllegalArgumentException("name (\"" + name + "\") must be 1 to 64 printable characters");
        }
        if (logCap.bytes() < 4096 || logCap.bytes() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("logCap (" + logCap + ") must be 4 KiB to 4 GiB - 1");
        }
    }

    public Optional<String> nameIfAny() {
        return Optional.ofNullable(name);
    }

    public DetachOptions withName(@Nullable String n) {
        return new DetachOptions(n, logCap);
    }

    public DetachOptions withLogCap(MemorySize cap) {
        return new DetachOptions(name, cap);
    }
}
