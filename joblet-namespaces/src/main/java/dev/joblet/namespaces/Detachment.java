package dev.joblet.namespaces;

import java.nio.file.Path;

/**
 * How a detached job is handed to its supervisor (helper.h {@code MSG_DETACH}): the job's state directory, made by
 * the caller, into which the supervisor writes the job's {@code log} and {@code status}; the most bytes the log may
 * hold; the timeout after which the supervisor sends the job SIGTERM (zero: none) and the grace after which it
 * then kills it. Immutable.
 *
 * @param stateDir an absolute directory that exists and holds no {@code log} yet
 * @param logCapBytes 4 KiB to 4 GiB - 1
 * @param timeoutMillis 0 (none) to 2^32 - 1
 * @param graceMillis 0 to 2^32 - 1: after the timeout's SIGTERM, SIGKILL this much later (at once when the job's
 *     PID 1 neither catches nor blocks SIGTERM, which the kernel would then drop)
 * @param keepFd a descriptor of this process the supervisor copies and holds until the job ended (the lock of the
 *     job's host identity), or -1
 * @param startAtMillis 0 to start now, else when to start (ms since the epoch): the supervisor answers at once
 *     ({@link DetachedProcess#jobPid()} 0) and waits itself, until then cancelled by SIGTERM (schedule.c)
 */
public record Detachment(Path stateDir, long logCapBytes, long timeoutMillis, long graceMillis, int keepFd,
        long startAtMillis) {
    public static final long MIN_LOG_CAP = 4096;
    public static final long MAX_U32 = 0xFFFF_FFFFL;

    /** A job to start now. */
    public Detachment(Path stateDir, long logCapBytes, long timeoutMillis, long graceMillis, int keepFd) {
        this(stateDir, logCapBytes, timeoutMillis, graceMillis, keepFd, 0);
    }

    public Detachment {
        if (!stateDir.isAbsolute()) {
            throw new IllegalArgumentException("stateDir (" + stateDir + ") must be absolute");
        }
        if (logCapBytes < MIN_LOG_CAP || logCapBytes > MAX_U32) {
            throw new IllegalArgumentException("logCapBytes (" + logCapBytes + ") must be 4096 to " + MAX_U32);
        }
        if (keepFd < -1) {
            throw new IllegalArgumentException("keepFd (" + keepFd + ") must be a descriptor or -1");
        }
        if (graceMillis < 0 || graceMillis > MAX_U32) {
            throw new IllegalArgumentException("graceMillis (" + graceMillis + ") must be 0 to " + MAX_U32);
        }
        if (startAtMillis < 0) {
            throw new IllegalArgumentException("startAtMillis (" + startAtMillis + ") must be 0 (now) or a time");
        }
        if (timeoutMillis < 0 || timeoutMillis > MAX_U32) {
            throw new IllegalArgumentException("timeoutMillis (" + timeoutMillis + ") must be 0 to " + MAX_U32);
        }
    }
}
