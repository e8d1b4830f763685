package dev.joblet;

import org.jspecify.annotations.Nullable;

/**
 * A host uid and gid taken from the range jobs get their own identities from, held for the caller until
 * {@link #close()}: for jobs that must share files with each other (a session's workspace, a shared volume), pinned
 * with {@code user(identity.uid(), identity.gid())}. No job that did not pin it runs as it meanwhile, and jobs pinned
 * to it share its per-user kernel limits and can read each other's {@code /proc}. A rootless JVM has no range: it
 * gives {@value Security#NOBODY}, which its jobs run as inside, mapped to the JVM's own ids (the documented
 * fallback). Thread-safe; {@link #close()} is idempotent and must come after the last job pinned to it has been
 * closed.
 */
public final class ReservedIdentity implements AutoCloseable {
    private final int uid;
    private final int gid;
    private final HostIdentities.@Nullable Lease lease;

    private ReservedIdentity(int uid, int gid, HostIdentities.@Nullable Lease lease) {
        this.uid = uid;
        this.gid = gid;
        this.lease = lease;
    }

    static ReservedIdentity reserve(Host host) throws java.io.IOException {
        if (host.rootless()) {
            return new ReservedIdentity(Security.NOBODY, Security.NOBODY, null);
        }
        HostIdentities.Lease l = host.identities().allocate();
        return new ReservedIdentity(l.uid(), l.gid(), l);
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** Releases the ids: the next job may get them. */
    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }

    @Override
    public String toString() {
        return "ReservedIdentity{uid=" + uid + ", gid=" + gid + "}";
    }
}
