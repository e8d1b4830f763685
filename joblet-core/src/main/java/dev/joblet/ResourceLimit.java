package dev.joblet;

/**
 * The per-process resource limits ({@code setrlimit}) a job can be given; see
 * {@link JobSpec.Builder#rlimit}. The job cannot raise a hard limit: it has no CAP_SYS_RESOURCE.
 */
public enum ResourceLimit {
    CPU(0), FSIZE(1), DATA(2), STACK(3), CORE(4), RSS(5), NPROC(6), NOFILE(7), MEMLOCK(8), AS(9), LOCKS(10),
    SIGPENDING(11), MSGQUEUE(12), NICE(13), RTPRIO(14), RTTIME(15);

    /** RLIM_INFINITY: no limit. */
    public static final long UNLIMITED = -1L;

    private final int resource;

    ResourceLimit(int resource) {
        this.resource = resource;
    }

    /** The kernel's RLIMIT_* number. */
    public int resource() {
        return resource;
    }
}
