package dev.joblet;

import dev.joblet.internal.Args;
import dev.joblet.internal.HostFacts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Joblet} instance runs its jobs: where it keeps its state, runtimes and volumes, which cgroup it
 * creates job cgroups under, how many supervisors and network namespaces it prepares ahead, and the host ids its
 * jobs get. Immutable and thread-safe; {@link Builder} is not thread-safe. Every value is checked when it is set,
 * and the message names the setting and quotes the value.
 *
 * <p>{@link #defaults()} reads no system property; {@link #fromSystemProperties()} (what {@link Joblet#system()}
 * uses) starts from the defaults and applies the {@code joblet.*} system properties and {@code JOBLET_*}
 * environment variables that configured the library before instances existed.
 */
public final class JobletConfig {
    static final int DEFAULT_POOL_SIZE = 2;
    static final Duration DEFAULT_POOL_IDLE = Duration.ofSeconds(30);
    static final int MAX_POOL_SIZE = 64;

    private final Path stateRoot;
    private final Path runtimesRoot;
    private final Path volumesRoot;
    private final @Nullable Path cgroupRoot;
    private final int warmPoolSize;
    private final Duration warmPoolIdle;
    private final int netnsPoolSize;
    private final int firstId;
    private final int idCount;

    private JobletConfig(Builder b) {
        this.stateRoot = b.stateRoot;
        this.runtimesRoot = b.runtimesRoot;
        this.volumesRoot = b.volumesRoot != null ? b.volumesRoot : b.runtimesRoot.resolveSibling("volumes");
        this.cgroupRoot = b.cgroupRoot;
        this.warmPoolSize = b.warmPoolSize;
        this.warmPoolIdle = b.warmPoolIdle;
        this.netnsPoolSize = b.netnsPoolSize;
        this.firstId = b.firstId;
        this.idCount = b.idCount;
    }

    /** The defaults: what {@link Builder} starts from. Reads no system property. */
    public static JobletConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults with the legacy switches applied, for {@link Joblet#system()}: {@code -Djoblet.stateRoot},
     * {@code -Djoblet.runtimes} (else {@code JOBLET_RUNTIMES}), {@code -Djoblet.volumes} (else {@code JOBLET_VOLUMES}),
     * {@code -Djoblet.cgroupRoot}, {@code -Djoblet.pool.size}, {@code -Djoblet.pool.idleMillis},
     * {@code -Djoblet.netnsPool.size} and {@code -Djoblet.idRange=FIRST-LAST}.
     *
     * @throws IllegalArgumentException naming the property and its value when one is malformed
     */
    public static JobletConfig fromSystemProperties() {
        Builder b = builder();
        String v;
        if ((v = setting("joblet.stateRoot", null)) != null) {
            b.stateRoot(Path.of(v));
        }
        if ((v = setting("joblet.runtimes", "JOBLET_RUNTIMES")) != null) {
            b.runtimesRoot(Path.of(v).toAbsolutePath());
        }
        if ((v = setting("joblet.volumes", "JOBLET_VOLUMES")) != null) {
            b.volumesRoot(Path.of(v).toAbsolutePath());
        }
        if ((v = setting("joblet.cgroupRoot", null)) != null) {
            b.cgroupRoot(Path.of(v));
        }
        if ((v = setting("joblet.pool.size", null)) != null) {
            b.warmPoolSize(intProperty("joblet.pool.size", v));
        }
        if ((v = setting("joblet.pool.idleMillis", null)) != null) {
            b.warmPoolIdle(Duration.ofMillis(intProperty("joblet.pool.idleMillis", v)));
        }
        if ((v = setting("joblet.netnsPool.size", null)) != null) {
            b.netnsPoolSize(intProperty("joblet.netnsPool.size", v));
        }
        if ((v = setting("joblet.idRange", null)) != null) {
            String[] p = v.strip().split("-");
            long first;
            long last;
            try {
                if (p.length != 2) {
                    throw new NumberFormatException();
                }
                first = Long.parseLong(p[0].strip());
                last = Long.parseLong(p[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("joblet.idRange (" + v + ") must be FIRST-LAST, e.g. "
                        + HostIdentities.DEFAULT_FIRST + "-" + (HostIdentities.DEFAULT_FIRST + 65535));
            }
            b.identityRange(first, last);
        }
        return b.build();
    }

    private static @Nullable String setting(String property, @Nullable String env) {
        String v = System.getProperty(property);
        if ((v == null || v.isEmpty()) && env != null) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? null : v;
    }

    private static int intProperty(String name, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " (\"" + value + "\") must be a number");
        }
    }

    /** The default runtimes root: {@code /var/lib/joblet/runtimes} for root, else under the user's data home. */
    static Path defaultRuntimesRoot() {
        if (HostFacts.euid() == 0) {
            return Path.of("/var/lib/joblet/runtimes");
        }
        String data = System.getenv("XDG_DATA_HOME");
        Path base = data != null && data.startsWith("/") ? Path.of(data)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("joblet").resolve("runtimes");
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.stateRoot = stateRoot;
        b.runtimesRoot = runtimesRoot;
        b.volumesRoot = volumesRoot;
        b.cgroupRoot = cgroupRoot;
        b.warmPoolSize = warmPoolSize;
        b.warmPoolIdle = warmPoolIdle;
        b.netnsPoolSize = netnsPoolSize;
        b.firstId = firstId;
        b.idCount = idCount;
        return b;
    }

    /**
     * The directory of the instance's host state (default {@code /run/joblet}): the staging dir of job roots
     * ({@code root}) and the host-identity locks ({@code ids}). Processes that share a state root share the
     * identity range round robin.
     */
    public Path stateRoot() {
        return stateRoot;
    }

    /** Where {@link JobRuntime#named} runtimes are resolved when a job starts. */
    public Path runtimesRoot() {
        return runtimesRoot;
    }

    /** Where {@link Volume#named} volumes live (default: {@code volumes} next to the runtimes root). */
    public Path volumesRoot() {
        return volumesRoot;
    }

    /** A delegated cgroup v2 directory job cgroups are made under; empty: this process's own cgroup, detected. */
    public Optional<Path> cgroupRoot() {
        return Optional.ofNullable(cgroupRoot);
    }

    /** Supervisors prepared ahead per kind of job in use (kind and /tmp size; 0: every job starts cold). Default 2. */
    public int warmPoolSize() {
        return warmPoolSize;
    }

    /** A kind of warm supervisor not asked for during this long is drained. Default 30 s. */
    public Duration warmPoolIdle() {
        return warmPoolIdle;
    }

    /** Network namespaces made ahead for cold starts with only a loopback network (0: off). Default 2. */
    public int netnsPoolSize() {
        return netnsPoolSize;
    }

    /** The first host uid/gid of the range jobs get their own identities from. */
    public int firstId() {
        return firstId;
    }

    /** How many ids the range holds. */
    public int idCount() {
        return idCount;
    }

    /** What of this config only this host can refuse, before anything is made (the setters checked the rest). */
    void checkOnThisHost() {
        cgroupRoot().ifPresent(root -> dev.joblet.cgroups.CgroupDriver.rootProblem(root).ifPresent(problem -> {
            throw new IllegalArgumentException("cgroupRoot (" + root + ") " + problem);
        }));
        directoryIfPresent("stateRoot", stateRoot);
        directoryIfPresent("runtimesRoot", runtimesRoot);
        directoryIfPresent("volumesRoot", volumesRoot);
    }

    /** A root made on first use may be missing; one that exists must be a directory. */
    private static void directoryIfPresent(String field, Path dir) {
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException(field + " (" + dir + ") is not a directory");
        }
    }

    Path stagingDir() {
        return stateRoot.resolve("root");
    }

    Path identitiesDir() {
        return stateRoot.resolve("ids");
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof JobletConfig c && stateRoot.equals(c.stateRoot) && runtimesRoot.equals(c.runtimesRoot)
                && volumesRoot.equals(c.volumesRoot) && Objects.equals(cgroupRoot, c.cgroupRoot)
                && warmPoolSize == c.warmPoolSize && warmPoolIdle.equals(c.warmPoolIdle)
                && netnsPoolSize == c.netnsPoolSize && firstId == c.firstId && idCount == c.idCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(stateRoot, runtimesRoot, volumesRoot, cgroupRoot, warmPoolSize, warmPoolIdle, netnsPoolSize,
                firstId, idCount);
    }

    @Override
    public String toString() {
        return "JobletConfig{stateRoot=" + stateRoot + ", runtimesRoot=" + runtimesRoot + ", volumesRoot=" + volumesRoot
                + ", cgroupRoot=" + (cgroupRoot == null ? "detected" : cgroupRoot) + ", warmPoolSize=" + warmPoolSize
                + ", warmPoolIdle=" + warmPoolIdle + ", netnsPoolSize=" + netnsPoolSize + ", identityRange=" + firstId
                + "-" + (firstId + (long) idCount - 1) + "}";
    }

    /** Builds a {@link JobletConfig}; not thread-safe. */
    public static final class Builder {
        private Path stateRoot = Path.of("/run/joblet");
        private Path runtimesRoot = defaultRuntimesRoot();
        private @Nullable Path volumesRoot;
        private @Nullable Path cgroupRoot;
        private int warmPoolSize = DEFAULT_POOL_SIZE;
        private Duration warmPoolIdle = DEFAULT_POOL_IDLE;
        private int netnsPoolSize = DEFAULT_POOL_SIZE;
        private int firstId = HostIdentities.DEFAULT_FIRST;
        private int idCount = HostIdentities.DEFAULT_COUNT;

        private Builder() {}

        public Builder stateRoot(Path dir) {
            stateRoot = absolute("stateRoot", dir);
            return this;
        }

        public Builder runtimesRoot(Path dir) {
            runtimesRoot = absolute("runtimesRoot", dir);
            return this;
        }

        public Builder volumesRoot(Path dir) {
            volumesRoot = absolute("volumesRoot", dir);
            return this;
        }

        /** A delegated cgroup v2 directory this process may manage; null: detect this process's own cgroup. */
        public Builder cgroupRoot(@Nullable Path dir) {
            cgroupRoot = dir == null ? null : absolute("cgroupRoot", dir);
            return this;
        }

        /** Supervisors prepared ahead per kind of job in use, 0 to 64; 0 turns the warm pool off. */
        public Builder warmPoolSize(int size) {
            warmPoolSize = poolSize("warmPoolSize", size);
            return this;
        }

        /** How long a kind of warm supervisor is kept without being asked for; positive, at most a day. */
        public Builder warmPoolIdle(Duration idle) {
            Args.nonNull(idle, "warmPoolIdle");
            if (idle.isNegative() || idle.isZero() || idle.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("warmPoolIdle (" + idle + ") must be positive and at most a day");
            }
            warmPoolIdle = idle;
            return this;
        }

        /** Network namespaces made ahead for cold starts, 0 to 64; 0 turns them off. */
        public Builder netnsPoolSize(int size) {
            netnsPoolSize = poolSize("netnsPoolSize", size);
            return this;
        }

        /**
         * The host uids/gids jobs get their own identities from: {@code first} to {@code last} inclusive, at least
         * one id, from 1000 and below 2^31 (ids an account, a group or a subordinate range uses are left out).
         */
        public Builder identityRange(long first, long last) {
            if (first < 1000 || last < first || last > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("identityRange (" + first + "-" + last + ") must be FIRST-LAST with"
                        + " 1000 <= FIRST <= LAST <= " + Integer.MAX_VALUE);
            }
            firstId = (int) first;
            idCount = (int) (last - first + 1);
            return this;
        }

        public JobletConfig build() {
            return new JobletConfig(this);
        }

        private static Path absolute(String field, Path dir) {
            Args.nonNull(dir, field);
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException(field + " (" + dir + ") must be an absolute path");
            }
            return dir.normalize();
        }

        private static int poolSize(String field, int size) {
            return Args.between(field, size, 0, MAX_POOL_SIZE);
        }
    }
}
