package dev.joblet;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A job's privileges: who it runs as, which capabilities it keeps, its seccomp policy, no_new_privs,
 * the /proc hardening and its resource limits. Immutable and thread-safe; set through
 * {@link JobSpec.Builder} (each relaxation is an option of its own).
 *
 * <p>Defaults: a host uid and gid of the job's own ({@link #ownIdentity()}: one per running job, from a reserved
 * range; a rootless JVM without one runs jobs as {@value #NOBODY} mapped to its own ids), no capability in any set,
 * {@link SeccompPolicy#defaults()}, no_new_privs, hardened /proc, {@code RLIMIT_NOFILE} 1024 (hard 4096),
 * {@code RLIMIT_CORE} 0.
 */
public final class Security {
    /** The unprivileged id jobs run as by default (nobody / nogroup on Debian). */
    public static final int NOBODY = 65534;

    /** A soft and a hard limit; {@link ResourceLimit#UNLIMITED} for none. */
    public record Limit(long soft, long hard) {}

    static final Security DEFAULTS = new Builder().build();

    private final int uid;
    private final int gid;
    private final boolean rootInUserNamespace;
    private final boolean ownIdentity;
    private final int hostUid;
    private final int hostGid;
    private final Set<Capability> capabilities;
    private final SeccompPolicy seccomp;
    private final boolean noNewPrivileges;
    private final boolean hardenedProc;
    private final Map<ResourceLimit, Limit> rlimits;

    private Security(Builder b) {
        this.uid = b.uid;
        this.gid = b.gid;
        this.rootInUserNamespace = b.rootInUserNamespace;
        this.ownIdentity = b.ownIdentity;
        this.hostUid = b.hostUid;
        this.hostGid = b.hostGid;
        this.capabilities = Collections.unmodifiableSet(b.capabilities.isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(b.capabilities));
        this.seccomp = b.seccomp;
        this.noNewPrivileges = b.noNewPrivileges;
        this.hardenedProc = b.hardenedProc;
        this.rlimits = Collections.unmodifiableMap(new EnumMap<>(b.rlimits));
    }

    /**
     * Whether the job runs as a host uid and gid of its own, allocated when it starts from the host's reserved range
     * and released once nothing of it remains (the default; with {@link #rootInUserNamespace()}, its root is that
     * host id). False when the ids were pinned with {@code user(uid, gid)} or {@code rootInUserNamespace(uid, gid)},
     * or for {@code privileged()}: {@link #uid()} and {@link #gid()} (or {@link #hostUid()}) are then used as given.
     */
    public boolean ownIdentity() {
        return ownIdentity;
    }

    /**
     * The job's uid inside its namespaces when pinned; with {@link #ownIdentity()} the job runs as its allocated id
     * instead, and this is {@value #NOBODY}, the id used where no range is available (a rootless JVM).
     */
    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** Whether the job runs as root inside a user namespace that maps root to {@link #hostUid()}. */
    public boolean rootInUserNamespace() {
        return rootInUserNamespace;
    }

    /** With {@link #rootInUserNamespace()}: the unprivileged host uid the job's root is. */
    public int hostUid() {
        return hostUid;
    }

    public int hostGid() {
        return hostGid;
    }

    public Set<Capability> capabilities() {
        return capabilities;
    }

    /** The kept capabilities as a mask (bit n = capability n). */
    long capabilityMask() {
        long m = 0;
        for (Capability c : capabilities) {
            m |= 1L << c.number();
        }
        return m;
    }

    public SeccompPolicy seccomp() {
        return seccomp;
    }

    public boolean noNewPrivileges() {
        return noNewPrivileges;
    }

    public boolean hardenedProc() {
        return hardenedProc;
    }

    public Map<ResourceLimit, Limit> rlimits() {
        return rlimits;
    }

    Builder toBuilder() {
        Builder b = new Builder();
        b.uid = uid;
        b.gid = gid;
        b.rootInUserNamespace = rootInUserNamespace;
        b.ownIdentity = ownIdentity;
        b.hostUid = hostUid;
        b.hostGid = hostGid;
        b.capabilities.addAll(capabilities);
        b.seccomp = seccomp;
        b.noNewPrivileges = noNewPrivileges;
        b.hardenedProc = hardenedProc;
        b.rlimits.clear();
        b.rlimits.putAll(rlimits);
        return b;
    }

    @Override
    public String toString() {
        return "Security{" + (ownIdentity ? "own identity" : "uid=" + uid + ", gid=" + gid)
                + (rootInUserNamespace ? ", root in user namespace" + (ownIdentity ? "" : " as host " + hostUid) : "")
                + ", capabilities=" + capabilities + ", " + seccomp + ", noNewPrivileges=" + noNewPrivileges
                + ", hardenedProc=" + hardenedProc + ", rlimits=" + rlimits + "}";
    }

    /** The mutable half, used by {@link JobSpec.Builder}. Not thread-safe. */
    static final class Builder {
        private int uid = NOBODY;
        private int gid = NOBODY;
        private boolean rootInUserNamespace;
        private boolean ownIdentity = true;
        private int hostUid = NOBODY;
        private int hostGid = NOBODY;
        private final EnumSet<Capability> capabilities = EnumSet.noneOf(Capability.class);
        private SeccompPolicy seccomp = SeccompPolicy.defaults();
        private boolean noNewPrivileges = true;
        private boolean hardenedProc = true;
        private final EnumMap<ResourceLimit, Limit> rlimits = new EnumMap<>(ResourceLimit.class);

        Builder() {
            rlimits.put(ResourceLimit.NOFILE, new Limit(1024, 4096));
            rlimits.put(ResourceLimit.CORE, new Limit(0, 0));
        }

        void user(int uidValue, int gidValue) {
            requireId("uid", uidValue);
            requireId("gid", gidValue);
            if (uidValue == 0 || gidValue == 0) {
                throw new IllegalArgumentException("user (uid " + uidValue + ", gid " + gidValue + ") is root: root inside a job"
                        + " is only given inside a user namespace mapped to an unprivileged host id; ask for it with"
                        + " rootInUserNamespace()");
            }
            uid = uidValue;
            gid = gidValue;
            rootInUserNamespace = false;
            ownIdentity = false;
        }

        /** Real root with every capability, no seccomp filter, no no_new_privs: see JobSpec.Builder.privileged(). */
        void privileged() {
            uid = 0;
            gid = 0;
            rootInUserNamespace = false;
            ownIdentity = false;
            capabilities.clear();
            capabilities.addAll(EnumSet.allOf(Capability.class));
            seccomp = SeccompPolicy.disabled();
            noNewPrivileges = false;
        }

        void rootInUserNamespace(int hostUidValue, int hostGidValue) {
            requireId("rootInUserNamespace host uid", hostUidValue);
            requireId("rootInUserNamespace host gid", hostGidValue);
            if (hostUidValue == 0 || hostGidValue == 0) {
                throw new IllegalArgumentException("rootInUserNamespace (host uid " + hostUidValue + ", gid " + hostGidValue
                        + ") must map the job's root to an unprivileged host id, not 0");
            }
            uid = 0;
            gid = 0;
            rootInUserNamespace = true;
            ownIdentity = false;
            hostUid = hostUidValue;
            hostGid = hostGidValue;
        }

        /** Root inside, in a user namespace whose root is the job's own host identity (see ownIdentity()). */
        void rootInUserNamespace() {
            uid = 0;
            gid = 0;
            rootInUserNamespace = true;
            ownIdentity = true;
            hostUid = NOBODY;
            hostGid = NOBODY;
        }

        private static void requireId(String field, int id) {
            if (id < 0) {
                throw new IllegalArgumentException(field + " (" + id + ") must be between 0 and " + Integer.MAX_VALUE);
            }
        }

        void capabilities(Set<Capability> keep) {
            for (Capability c : keep) {
                dev.joblet.internal.Args.nonNull(c, "capability");
            }
            capabilities.clear();
            capabilities.addAll(keep);
        }

        void seccomp(SeccompPolicy policy) {
            seccomp = dev.joblet.internal.Args.nonNull(policy, "seccomp");
        }

        void noNewPrivileges(boolean value) {
            noNewPrivileges = value;
        }

        void hardenedProc(boolean value) {
            hardenedProc = value;
        }

        void rlimit(ResourceLimit resource, long soft, long hard) {
            dev.joblet.internal.Args.nonNull(resource, "rlimit resource");
            if (soft < -1 || hard < -1) {
                throw new IllegalArgumentException("rlimit " + resource + " (" + soft + "/" + hard
                        + ") must be non-negative or ResourceLimit.UNLIMITED");
            }
            if (hard != -1 && (soft == -1 || soft > hard)) {
                throw new IllegalArgumentException("rlimit " + resource + " soft limit (" + soft + ") exceeds the hard limit ("
                        + hard + ")");
            }
            rlimits.put(resource, new Limit(soft, hard));
        }

        Security build() {
            return new Security(this);
        }
    }
}
