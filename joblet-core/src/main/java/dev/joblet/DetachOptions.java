package dev.joblet;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a job is started detached ({@link Joblet#startDetached(JobSpec, DetachOptions)}): a name shown by
 * {@code rnx job list} and the most bytes its log on disk may hold. The log keeps everything while under the cap;
 * the record that would cross it is shortened, a cut record marks where each stream stopped being logged, and the
 * job runs on (its output still read and counted, see {@link DetachedStatus#logCut()}). With a start time the job
 * is scheduled: its supervisor (no JVM, no daemon) waits for that time, the job is
 * {@link DetachedStatus.State#SCHEDULED} until then and {@link DetachedJob#cancel()} ends the wait. Immutable.
 *
 * @param name up to 64 printable characters, or null for none
 * @param logCap 4 KiB to 4 GiB - 1
 * @param startAt when to start, or null for now (a time already past starts it at once)
 */
public record DetachOptions(@Nullable String name, MemorySize logCap, @Nullable Instant startAt) {
    /** No name, a 64 MiB log, started now. */
    public static final DetachOptions DEFAULT = new DetachOptions(null, MemorySize.ofMegabytes(64), null);

    public DetachOptions {
        if (name != null && (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(c -> c >= 0x20 && c != 0x7f))) {
            throw new IllegalArgumentException("name (\"" + name + "\") must be 1 to 64 printable characters");
        }
        if (logCap.bytes() < 4096 || logCap.bytes() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("logCap (" + logCap + ") must be 4 KiB to 4 GiB - 1");
        }
        if (startAt != null && startAt.toEpochMilli() <= 0) {
            throw new IllegalArgumentException("startAt (" + startAt + ") must be after 1970-01-01T00:00:00Z");
        }
    }

    public Optional<Instant> startAtIfAny() {
        return Optional.ofNullable(startAt);
    }

    /** These options with the job started at {@code at} (null: now) by its supervisor. */
    public DetachOptions withStartAt(@Nullable Instant at) {
        return new DetachOptions(name, logCap, at);
    }

    public Optional<String> nameIfAny() {
        return Optional.ofNullable(name);
    }

    public DetachOptions withName(@Nullable String n) {
        return new DetachOptions(n, logCap, startAt);
    }

    public DetachOptions withLogCap(MemorySize cap) {
        return new DetachOptions(name, cap, startAt);
    }
}
