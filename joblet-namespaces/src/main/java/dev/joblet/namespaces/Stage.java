package dev.joblet.namespaces;

/** The step of the launch path that failed; the codes are the native helper's (helper.h, enum stage; a test compares them). */
public enum Stage {
    CONFIG(1, "read config"),
    CGROUP_OPEN(2, "open cgroup"),
    CLONE(3, "clone3 into new namespaces"),
    CGROUP_JOIN(4, "join cgroup"),
    CGROUP_NAMESPACE(5, "unshare cgroup namespace"),
    MOUNT_PRIVATE(6, "make mounts private"),
    ROOT(7, "mount root tmpfs"),
    MOUNT(8, "mount"),
    ROOT_READONLY(9, "remount root read-only"),
    PIVOT_ROOT(10, "pivot_root"),
    HOSTNAME(11, "sethostname"),
    LOOPBACK(12, "bring up lo"),
    CHDIR(13, "chdir"),
    AFFINITY(14, "sched_setaffinity"),
    SIGNALS(15, "set parent-death signal"),
    NO_NEW_PRIVS(16, "set no_new_privs"),
    FDS(17, "close inherited fds"),
    EXEC(18, "execve"),
    PIPE(19, "helper pipe"),
    RLIMITS(20, "setrlimit"),
    CAPS(21, "drop capabilities"),
    IDS(22, "set uid and gid"),
    SECCOMP(23, "install seccomp filter"),
    MASK_PROC(24, "harden /proc"),
    USERNS(25, "set up user namespace"),
    NETNS(26, "join network namespace"),
    TTY(27, "set up the job's terminal"),
    INIT(28, "start the job's init"),
    SESSION(29, "start a session"),
    PRIORITY(30, "restore the scheduling priority"),
    NEW_NETWORK(31, "unshare network namespace"),
    FETCH_FD(32, "take a descriptor from the JVM"),
    LOGINUID(33, "fix the loginuid"),
    DETACH(34, "detach the job"),
    SPAWN(100, "posix_spawn helper"),
    PROTOCOL(101, "helper protocol");

    private final int code;
    private final String operation;

    Stage(int code, String operation) {
        this.code = code;
        this.operation = operation;
    }

    public int code() {
        return code;
    }

    /** A short description of the operation, used in error messages. */
    public String operation() {
        return operation;
    }

    public static Stage of(int code) {
        for (Stage s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return PROTOCOL;
    }
}
