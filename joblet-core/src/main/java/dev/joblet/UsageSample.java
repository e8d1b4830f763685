package dev.joblet;

import java.time.Instant;

/**
 * One sample of what a job uses: its {@link Usage} so far plus the figures that only exist while it runs. Immutable.
 *
 * @param at when it was taken
 * @param live true when read from the job's cgroups while it ran; false once it ended (then {@code usage} is the final
 *     usage its supervisor recorded, and the current figures are -1)
 * @param usage CPU, memory peak, IO, pids peak, OOM kills so far (-1 for what the host does not report)
 * @param memoryCurrentBytes memory in use now, or -1
 * @param pidsCurrent processes (tasks) now, or -1
 */
public record UsageSample(Instant at, boolean live, Usage usage, long memoryCurrentBytes, long pidsCurrent) {}
