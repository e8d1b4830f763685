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

    /**
     * Every option at its default. The options are declared here once: the fields below, each with the one
     * wither that changes and checks it; {@link JobSpec.Builder}'s security methods only call these.
     */
    static final Security DEFAULTS = new Security(NOBODY, NOBODY, false, true, NOBODY, NOBODY,
            EnumSet.noneOf(Capability.class), SeccompPolicy.defaults(), true, true,
            Map.of(ResourceLimit.NOFILE, new Limit(1024, 4096), ResourceLimit.CORE, new Limit(0, 0)));

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

    private Security(int uid, int gid, boolean rootInUserNamespace, boolean ownIdentity, int hostUid, int hostGid,
            Set<Capability> capabilities, SeccompPolicy seccomp, boolean noNewPrivileges, boolean hardenedProc,
            Map<ResourceLimit, Limit> rlimits) {
        this.uid = uid;
        this.gid = gid;
        this.rootInUserNamespace = rootInUserNamespace;
        this.ownIdentity = ownIdentity;
        this.hostUid = hostUid;
        this.hostGid = hostGid;
        this.capabilities = Collections.unmodifiableSet(capabilities.isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(capabilities));
        this.seccomp = seccomp;
        this.noNewPrivileges = noNewPrivileges;
        this.hardenedProc = hardenedProc;
        this.rlimits = Collections.unmodifiableMap(new EnumMap<>(rlimits));
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

    @Override
    public String toString() {
        return "Security{" + (ownIdentity ? "own identity" : "uid=" + uid + ", gid=" + gid)
                + (rootInUserNamespace ? ", root in user namespace" + (ownIdentity ? "" : " as host " + hostUid) : "")
                + ", capabilities=" + capabilities + ", " + seccomp + ", noNewPrivileges=" + noNewPrivileges
                + ", hardenedProc=" + hardenedProc + ", rlimits=" + rlimits + "}";
    }

    // ---- The withers behind JobSpec.Builder's security methods: each checks its values, naming them ----

    /** Pinned ids; see {@link JobSpec.Builder#user(int, int)}. */
    Security user(int uidValue, int gidValue) {
        requireId("uid", uidValue);
        requireId("gid", gidValue);
        if (uidValue == 0 || gidValue == 0) {
            throw new IllegalArgumentException("user (uid " + uidValue + ", gid " + gidValue + ") is root: root inside a job"
                    + " is only given inside a user namespace mapped to an unprivileged host id; ask for it with"
                    + " rootInUserNamespace()");
        }
        return new Security(uidValue, gidValue, false, false, hostUid, hostGid, capabilities, seccomp, noNewPrivileges,
                hardenedProc, rlimits);
    }

    /** Real root with every capability, no seccomp filter, no no_new_privs: see JobSpec.Builder.privileged(). */
    Security privileged() {
        return new Security(0, 0, false, false, hostUid, hostGid, EnumSet.allOf(Capability.class),
                SeccompPolicy.disabled(), false, hardenedProc, rlimits);
    }

    /** Root inside, in a user namespace whose root is the given unprivileged host ids. */
    Security rootInUserNamespace(int hostUidValue, int hostGidValue) {
        requireId("rootInUserNamespace host uid", hostUidValue);
        requireId("rootInUserNamespace host gid", hostGidValue);
        if (hostUidValue == 0 || hostGidValue == 0) {
            throw new IllegalArgumentException("rootInUserNamespace (host uid " + hostUidValue + ", gid " + hostGidValue
                    + ") must map the job's root to an unprivileged host id, not 0");
        }
        return new Security(0, 0, true, false, hostUidValue, hostGidValue, capabilities, seccomp, noNewPrivileges,
                hardenedProc, rlimits);
    }

    /**
     * Root inside, in a user namespace whose root is the job's own host identity (see ownIdentity()); named apart
     * from the accessor {@link #rootInUserNamespace()}.
     */
    Security rootInOwnUserNamespace() {
        return new Security(0, 0, true, true, NOBODY, NOBODY, capabilities, seccomp, noNewPrivileges, hardenedProc,
                rlimits);
    }

    private static void requireId(String field, int id) {
        if (id < 0) {
            throw new IllegalArgumentException(field + " (" + id + ") must be between 0 and " + Integer.MAX_VALUE);
        }
    }

    Security capabilities(Set<Capability> keep) {
        for (Capability c : keep) {
            dev.joblet.internal.Args.nonNull(c, "capability");
        }
        return new Security(uid, gid, rootInUserNamespace, ownIdentity, hostUid, hostGid, keep, seccomp, noNewPrivileges,
                hardenedProc, rlimits);
    }

    Security seccomp(SeccompPolicy policy) {
        dev.joblet.internal.Args.nonNull(policy, "seccomp");
        return new Security(uid, gid, rootInUserNamespace, ownIdentity, hostUid, hostGid, capabilities, policy,
                noNewPrivileges, hardenedProc, rlimits);
    }

    Security noNewPrivileges(boolean value) {
        return new Security(uid, gid, rootInUserNamespace, ownIdentity, hostUid, hostGid, capabilities, seccomp, value,
                hardenedProc, rlimits);
    }

    Security hardenedProc(boolean value) {
        return new Security(uid, gid, rootInUserNamespace, ownIdentity, hostUid, hostGid, capabilities, seccomp,
                noNewPrivileges, value, rlimits);
    }

    Security rlimit(ResourceLimit resource, long soft, long hard) {
        dev.joblet.internal.Args.nonNull(resource, "rlimit resource");
        if (soft < -1 || hard < -1) {
            throw new IllegalArgumentException("rlimit " + resource + " (" + soft + "/" + hard
                    + ") must be non-negative or ResourceLimit.UNLIMITED");
        }
        if (hard != -1 && (soft == -1 || soft > hard)) {
            throw new IllegalArgumentException("rlimit " + resource + " soft limit (" + soft + ") exceeds the hard limit ("
                    + hard + ")");
        }
        EnumMap<ResourceLimit, Limit> changed = new EnumMap<>(rlimits);
        changed.put(resource, new Limit(soft, hard));
        return new Security(uid, gid, rootInUserNamespace, ownIdentity, hostUid, hostGid, capabilities, seccomp,
                noNewPrivileges, hardenedProc, changed);
    }
}
