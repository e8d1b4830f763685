package dev.joblet.namespaces;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything the native helper needs to start one job. Immutable and thread-safe; built by a {@link Builder}, which
 * is not thread-safe. Validation of user input happens in the layer above; this class checks only what would corrupt
 * the wire format.
 */
public final class LaunchRequest {
    private final List<String> argv;
    private final List<String> env;
    private final String hostname;
    private final String workdir;
    private final String stagingDir;
    private final boolean network;
    private final boolean noNewPrivs;
    private final List<MountOp> mounts;
    private final List<Path> cgroupProcsFiles;
    private final @Nullable Path cgroup2Dir;
    private final BitSet cpuAffinity;
    private final byte @Nullable [] stdin;
    private final int fault;
    private final int uid;
    private final int gid;
    private final long capabilities;
    private final List<Rlimit> rlimits;
    private final BpfProgram seccomp;
    private final boolean maskProc;
    private final @Nullable UserNamespace userNamespace;
    private final @Nullable Path netns;
    private final boolean tty;
    private final @Nullable TerminalSize terminalSize;
    private final boolean init;

    /** Keep every capability (the default at this level; the layer above drops them). */
    public static final long ALL_CAPABILITIES = -1L;
    /** A uid or gid that leaves the helper's own unchanged. */
    public static final int KEEP_ID = -1;

    private LaunchRequest(Builder b) {
        this.argv = List.copyOf(b.argv);
        this.env = List.copyOf(b.env);
        this.hostname = b.hostname;
        this.workdir = b.workdir;
        this.stagingDir = b.stagingDir;
        this.network = b.network;
        this.noNewPrivs = b.noNewPrivs;
        this.mounts = List.copyOf(b.mounts);
        this.cgroupProcsFiles = List.copyOf(b.cgroupProcsFiles);
        this.cgroup2Dir = b.cgroup2Dir;
        this.cpuAffinity = (BitSet) b.cpuAffinity.clone();
        this.stdin = b.stdin == null ? null : b.stdin.clone();
        this.fault = b.fault;
        this.uid = b.uid;
        this.gid = b.gid;
        this.capabilities = b.capabilities;
        this.rlimits = List.copyOf(b.rlimits);
        this.seccomp = b.seccomp;
        this.maskProc = b.maskProc;
        this.userNamespace = b.userNamespace;
        this.netns = b.netns;
        this.tty = b.tty;
        this.terminalSize = b.terminalSize;
        this.init = b.init;
        LaunchRequestChecks.check(argv, env, hostname, workdir, tty, terminalSize, mounts);
    }

    /**
     * Whether this request and {@code other} build the same root: they differ at most in what the exec message
     * carries (hostname, workdir, argv, env), so that a helper prepared with one as its template
     * ({@link Launcher#prepare(java.util.List, boolean, LaunchRequest)}) can launch the other. Compares the
     * encoded messages, so it covers every field the helper reads.
     */
    public boolean sameRootAs(LaunchRequest other) {
        return LaunchRequestChecks.sameRoot(this, other);
    }

    /** A builder holding every value of this request. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.argv.addAll(argv);
        b.env.addAll(env);
        b.hostname = hostname;
        b.workdir = workdir;
        b.stagingDir = stagingDir;
        b.network = network;
        b.noNewPrivs = noNewPrivs;
        b.mounts.addAll(mounts);
        b.cgroupProcsFiles.addAll(cgroupProcsFiles);
        b.cgroup2Dir = cgroup2Dir;
        b.cpuAffinity = (BitSet) cpuAffinity.clone();
        b.stdin = stdin == null ? null : stdin.clone();
        b.fault = fault;
        b.uid = uid;
        b.gid = gid;
        b.capabilities = capabilities;
        b.rlimits.addAll(rlimits);
        b.seccomp = seccomp;
        b.maskProc = maskProc;
        b.userNamespace = userNamespace;
        b.netns = netns;
        b.tty = tty;
        b.terminalSize = terminalSize;
        b.init = init;
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> argv() {
        return argv;
    }

    /** "NAME=value" entries: the job's whole environment. */
    public List<String> env() {
        return env;
    }

    public String hostname() {
        return hostname;
    }

    public String workdir() {
        return workdir;
    }

    /** An existing host directory the helper mounts the new root's tmpfs on (in the job's mount namespace). */
    public String stagingDir() {
        return stagingDir;
    }

    /** Whether the job gets its own network namespace (loopback only). */
    public boolean network() {
        return network;
    }

    public boolean noNewPrivs() {
        return noNewPrivs;
    }

    public List<MountOp> mounts() {
        return mounts;
    }

    public List<Path> cgroupProcsFiles() {
        return cgroupProcsFiles;
    }

    public @Nullable Path cgroup2Dir() {
        return cgroup2Dir;
    }

    public BitSet cpuAffinity() {
        return (BitSet) cpuAffinity.clone();
    }

    public byte @Nullable [] stdin() {
        return stdin == null ? null : stdin.clone();
    }

    /** Test builds only: {@code (errno << 8) | stage} to fail at; 0 for none. */
    public int fault() {
        return fault;
    }

    /** The job's uid inside its namespaces; {@link #KEEP_ID} leaves the helper's. */
    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** The capabilities kept (bit n = capability n); {@link #ALL_CAPABILITIES} changes none, 0 drops all. */
    public long capabilities() {
        return capabilities;
    }

    public List<Rlimit> rlimits() {
        return rlimits;
    }

    /** The seccomp filter installed last before exec; {@link BpfProgram#NONE} for none. */
    public BpfProgram seccompFilter() {
        return seccomp;
    }

    /** Whether /proc is hardened (kcore, keys, sysrq-trigger... masked; /proc/sys read-only). */
    public boolean maskProc() {
        return maskProc;
    }

    public @Nullable UserNamespace userNamespace() {
        return userNamespace;
    }

    /**
     * Whether the job's stdin, stdout and stderr are one pseudo-terminal (its controlling terminal) instead of
     * pipes; its output then arrives as STDOUT only, and input is written with {@link LaunchedProcess#writeInput}.
     * The terminal is a pty of the job's own devpts instance (so it is {@code /dev/pts/0} inside, and counts
     * against that instance's {@code max}); a request with a tty needs a {@link MountOp#dev} mount on /dev.
     */
    public boolean tty() {
        return tty;
    }

    /** With {@link #tty()}: its size, set before the command starts; null leaves it as the kernel makes it (0x0). */
    public @Nullable TerminalSize terminalSize() {
        return terminalSize;
    }

    /**
     * Whether the helper's minimal init is the job's PID 1 (it forwards every signal to the command, reaps orphans and
     * ends with the command, whose exit status or signal is the job's), the command then PID 2; false: the command is
     * PID 1 itself.
     */
    public boolean init() {
        return init;
    }

    /** A prepared network (e.g. {@code /run/netns/NAME}) the job joins instead of a new one; null for none. */
    public @Nullable Path netns() {
        return netns;
    }

    /** Builds a {@link LaunchRequest}. Not thread-safe. */
    public static final class Builder {
        private final List<String> argv = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private String hostname = "";
        private String workdir = "/";
        private String stagingDir = "/";
        private boolean network = true;
        private boolean noNewPrivs = true;
        private final List<MountOp> mounts = new ArrayList<>();
        private final List<Path> cgroupProcsFiles = new ArrayList<>();
        private @Nullable Path cgroup2Dir;
        private BitSet cpuAffinity = new BitSet();
        private byte @Nullable [] stdin;
        private int fault;
        private int uid = KEEP_ID;
        private int gid = KEEP_ID;
        private long capabilities = ALL_CAPABILITIES;
        private final List<Rlimit> rlimits = new ArrayList<>();
        private BpfProgram seccomp = BpfProgram.NONE;
        private boolean maskProc;
        private @Nullable UserNamespace userNamespace;
        private @Nullable Path netns;
        private boolean tty;
        private @Nullable TerminalSize terminalSize;
        private boolean init;

        private Builder() {}

        /** The job's uid and gid inside its namespaces (default: unchanged). */
        public Builder ids(int uidValue, int gidValue) {
            uid = uidValue;
            gid = gidValue;
            return this;
        }

        public Builder capabilities(long keep) {
            capabilities = keep;
            return this;
        }

        public Builder rlimits(List<Rlimit> value) {
            rlimits.clear();
            rlimits.addAll(value);
            return this;
        }

        public Builder seccompFilter(BpfProgram value) {
            seccomp = Objects.requireNonNull(value);
            return this;
        }

        public Builder maskProc(boolean value) {
            maskProc = value;
            return this;
        }

        public Builder userNamespace(@Nullable UserNamespace value) {
            userNamespace = value;
            return this;
        }

        public Builder argv(List<String> value) {
            argv.clear();
            argv.addAll(value);
            return this;
        }

        public Builder env(List<String> value) {
            env.clear();
            env.addAll(value);
            return this;
        }

        public Builder hostname(String value) {
            hostname = Objects.requireNonNull(value);
            return this;
        }

        public Builder workdir(String value) {
            workdir = Objects.requireNonNull(value);
            return this;
        }

        public Builder stagingDir(String value) {
            stagingDir = Objects.requireNonNull(value);
            return this;
        }

        /** true (the default): a new network namespace with only lo; false: share the host's. */
        public Builder network(boolean value) {
            network = value;
            return this;
        }

        public Builder noNewPrivs(boolean value) {
            noNewPrivs = value;
            return this;
        }

        public Builder mounts(List<MountOp> value) {
            mounts.clear();
            mounts.addAll(value);
            return this;
        }

        public Builder cgroupProcsFiles(List<Path> value) {
            cgroupProcsFiles.clear();
            cgroupProcsFiles.addAll(value);
            return this;
        }

        public Builder cgroup2Dir(@Nullable Path value) {
            cgroup2Dir = value;
            return this;
        }

        public Builder cpuAffinity(BitSet value) {
            cpuAffinity = (BitSet) value.clone();
            return this;
        }

        /** Bytes fed to the job's stdin, then EOF; null (the default) gives the job /dev/null. */
        public Builder stdin(byte @Nullable [] value) {
            stdin = value == null ? null : value.clone();
            return this;
        }

        /** Test builds of the helper only: fail {@code stage} with {@code errno}. */
        public Builder fault(Stage stage, int errno) {
            fault = (errno << 8) | stage.code();
            return this;
        }

        /**
         * A network namespace prepared beforehand (veth, addresses, routes) that the job joins with setns()
         * instead of a new one; lo is brought up in it. null (the default): as {@link #network(boolean)} says.
         */
        public Builder netns(@Nullable Path value) {
            netns = value;
            return this;
        }

        /** Gives the job a pseudo-terminal as stdin, stdout and stderr (see {@link LaunchRequest#tty()}). */
        public Builder tty(boolean value) {
            tty = value;
            return this;
        }

        /** The terminal's size before the command starts; needs {@link #tty(boolean) tty(true)}; null for none. */
        public Builder terminalSize(@Nullable TerminalSize value) {
            terminalSize = value;
            return this;
        }

        /** A minimal init as PID 1 and the command as PID 2 (see {@link LaunchRequest#init()}). */
        public Builder init(boolean value) {
            init = value;
            return this;
        }

        public LaunchRequest build() {
            return new LaunchRequest(this);
        }
    }
}
