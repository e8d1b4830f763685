package dev.joblet;

import dev.joblet.namespaces.HostFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Whether the job's host user may write a writable volume, decided before the job starts: a volume handed to the
 * job ({@link Volume#ownedByJob()}) is given to it first, any other one the job cannot write is refused with what
 * to do, rather than failing in the job with EACCES. Stateless.
 *
 * <p>The check is the kernel's rule for the permission bits of the source (owner class, else group class, else
 * others; a directory needs write and search) against the job's host uid and gid: jobs have no supplementary
 * groups. It is skipped where the job's user passes it anyway: host root, or a job keeping CAP_DAC_OVERRIDE
 * outside a user namespace. POSIX ACLs are not read: a source writable for the job only through an ACL entry is
 * refused too (hand it over, or grant it by the mode).
 */
final class VolumeAccess {
    private VolumeAccess() {}

    /** Prepares {@code v} (open as the {@code O_PATH} descriptor {@code fd}) for a job of identity {@code id}. */
    static void prepare(Volume v, int fd, JobIdentity id, Security sec) throws JobStartException {
        if (!v.writable()) {
            return;
        }
        if (v.handedToJob()) {
            try {
                HostFiles.chown(fd, id.hostUid(), id.hostGid());
            } catch (IOException e) {
                throw new JobStartException("volume " + v.target() + ": cannot hand its source " + v.source()
                        + " to the job's host uid " + id.hostUid() + " gid " + id.hostGid() + ": " + e.getMessage()
                        + " (the JVM must be allowed to chown it: root, or the job's own uid)", step(v),
                        e instanceof HostFiles.ErrnoException x ? x.errnoName() : null, false, e);
            }
        }
        if (id.hostUid() == 0 || (!sec.rootInUserNamespace() && sec.capabilities().contains(Capability.DAC_OVERRIDE))) {
            return;
        }
        Path inode = Path.of("/proc/self/fd/" + fd); // the very inode that will be bound, not its path again
        int uid, gid, mode;
        try {
            Map<String, Object> a = Files.readAttributes(inode, "unix:uid,gid,mode");
            uid = (Integer) Objects.requireNonNull(a.get("uid"));
            gid = (Integer) Objects.requireNonNull(a.get("gid"));
            mode = (Integer) Objects.requireNonNull(a.get("mode"));
        } catch (IOException | UnsupportedOperationException e) {
            return; // what cannot be read here is left to the kernel, in the job
        }
        if (writable(mode, uid, gid, id.hostUid(), id.hostGid())) {
            return;
        }
        throw new JobStartException("volume " + v.target() + " is writable but its source " + v.source()
                + " is owned by uid " + uid + " gid " + gid + " with mode " + String.format("%04o", mode & 07777)
                + ", which the job's host uid " + id.hostUid() + " gid " + id.hostGid() + " may not write: hand it to the"
                + " job with Volume.ownedByJob() (Joblet then chowns " + v.source() + " to the job's uid when it"
                + " starts), or make it writable for the job's user (e.g. chmod 1777 " + v.source()
                + "), or mount it read-only", step(v), "EACCES", false, null);
    }

    /** The kernel's permission rule for write (and, for a directory, search) by uid and gid with no other groups. */
    static boolean writable(int mode, int ownerUid, int ownerGid, int uid, int gid) {
        int bits = uid == ownerUid ? (mode >> 6) & 7 : gid == ownerGid ? (mode >> 3) & 7 : mode & 7;
        boolean directory = (mode & 0170000) == 0040000;
        return (bits & 2) != 0 && (!directory || (bits & 1) != 0);
    }

    private static String step(Volume v) {
        return "volume " + v.source();
    }
}
