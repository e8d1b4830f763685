package dev.joblet;

import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.UserNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Who one job is: its uid and gid inside its namespaces, the host ids they are (the same unless it runs in a user
 * namespace), and the job-local passwd and group files that name its user (null: the runtime's own). Immutable.
 */
record JobIdentity(int uid, int gid, int hostUid, int hostGid, @Nullable Path passwd, @Nullable Path group) {

    /** The identity of a job with {@code sec}, given the host identity allocated for it (null: pinned, or none). */
    static JobIdentity of(Security sec, HostIdentities.@Nullable Lease lease) {
        if (lease == null) {
            return sec.rootInUserNamespace() ? new JobIdentity(0, 0, sec.hostUid(), sec.hostGid(), null, null)
                    : new JobIdentity(sec.uid(), sec.gid(), sec.uid(), sec.gid(), null, null);
        }
        return sec.rootInUserNamespace()
                ? new JobIdentity(0, 0, lease.uid(), lease.gid(), lease.passwd(), lease.group())
                : new JobIdentity(lease.uid(), lease.gid(), lease.uid(), lease.gid(), lease.passwd(), lease.group());
    }

    /** A job of the default security (no user namespace) running as {@code lease}. */
    static JobIdentity own(HostIdentities.Lease lease) {
        return new JobIdentity(lease.uid(), lease.gid(), lease.uid(), lease.gid(), lease.passwd(), lease.group());
    }

    /** The tmpfs options that make a mount the job's user's. */
    String ownerOptions() {
        return ",uid=" + uid + ",gid=" + gid;
    }

    /**
     * {@code r}, prepared for a job of identity {@code from}, made for a job of identity {@code to}: the ids, the
     * uid map, the owner of its tmpfs mounts and its passwd and group files. A warm supervisor builds the root of the
     * next job of a kind with the next job's own identity from the request of the last one.
     */
    static LaunchRequest retarget(LaunchRequest r, JobIdentity from, JobIdentity to) {
        if (from.equals(to)) {
            return r;
        }
        List<MountOp> mounts = new ArrayList<>(r.mounts().size());
        String owner = from.ownerOptions();
        for (MountOp m : r.mounts()) {
            if (m.kind() == MountOp.Kind.TMPFS && m.data().endsWith(owner)) {
                m = new MountOp(m.kind(), m.source(), m.target(), m.readOnly(), m.optional(),
                        m.data().substring(0, m.data().length() - owner.length()) + to.ownerOptions());
            } else if (m.kind() == MountOp.Kind.BIND && from.passwd != null && m.source().equals(from.passwd.toString())
                    && to.passwd != null) {
                m = new MountOp(m.kind(), to.passwd.toString(), m.target(), m.readOnly(), m.optional(), m.data());
            } else if (m.kind() == MountOp.Kind.BIND && from.group != null && m.source().equals(from.group.toString())
                    && to.group != null) {
                m = new MountOp(m.kind(), to.group.toString(), m.target(), m.readOnly(), m.optional(), m.data());
            }
            mounts.add(m);
        }
        LaunchRequest.Builder b = r.toBuilder().mounts(mounts);
        if (r.uid() == from.uid && r.gid() == from.gid) {
            b.ids(to.uid, to.gid);
        }
        UserNamespace ns = r.userNamespace();
        if (ns != null && ns.uidMap().equals(from.uid + " " + from.hostUid + " 1\n")) {
            b.userNamespace(new UserNamespace(to.uid + " " + to.hostUid + " 1\n",
                    to.gid + " " + to.hostGid + " 1\n", ns.denySetgroups()));
        }
        return b.build();
    }
}
