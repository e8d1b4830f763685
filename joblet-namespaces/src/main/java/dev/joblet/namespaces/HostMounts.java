package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import org.jspecify.annotations.Nullable;

/**
 * Mounts in the calling process's own mount namespace (the host's, for the JVM): a size-limited tmpfs that a job's
 * workspace lives on, so that the host can fill it before the job starts and read it after the job ends; or one
 * mounted nowhere ({@link #detachedTmpfs}: {@code fsopen}/{@code fsmount}), in no mount namespace of the host, which
 * goes with its last descriptor.
 * Stateless and thread-safe.
 */
public final class HostMounts {
    private static final long MS_NOSUID = 2, MS_NODEV = 4;
    private static final int MNT_DETACH = 2;
    private static final long SYS_FSOPEN = 430, SYS_FSCONFIG = 431, SYS_FSMOUNT = 432;
    private static final int FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;
    private static final int MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4;

    /** mount(2) and umount2(2), with C names and C types. */
    public interface Sys {
        @SaveError
        int mount(@Nullable String source, String target, @Nullable String fstype, long flags, @Nullable String data);

        @SaveError
        int umount2(String target, int flags);

        @SaveError
        long syscall(long nr, @In byte[] fstype, int flags); // fsopen

        @SaveError
        long syscall(long nr, int fd, int cmd, @In byte @Nullable [] key, @In byte @Nullable [] value, int aux); // fsconfig

        @SaveError
        long syscall(long nr, int fd, int flags, int attrs); // fsmount

        @SaveError
        int close(int fd);
    }

    private static final class Holder {
        static final Sys SYS = LibraryLoader.create(Sys.class).failImmediately().load("c");
    }

    private HostMounts() {}

    /**
     * Mounts a fresh tmpfs (nosuid, nodev) on {@code dir} with these options, e.g.
     * {@code size=268435456,mode=0700}.
     */
    public static void mountTmpfs(Path dir, String options) throws IOException {
        if (Holder.SYS.mount("tmpfs", dir.toString(), "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) {
            int errno = Native.errno();
            throw new IOException("mount tmpfs on " + dir + " (" + options + "): " + Native.describe(errno));
        }
    }

    /**
     * Mounts an overlay on {@code merged}: {@code lower} read-only below, changes going to {@code upper} (with
     * {@code work}, on the same filesystem as {@code upper}). Paths holding {@code , : \\} are refused.
     */
    public static void mountOverlay(Path lower, Path upper, Path work, Path merged) throws IOException {
        for (Path p : new Path[] {lower, upper, work}) {
            String t = p.toString();
            if (t.indexOf(',') >= 0 || t.indexOf(':') >= 0 || t.indexOf('\\') >= 0) {
                throw new IOException("overlay path " + t + " holds ',', ':' or '\\', which overlayfs options cannot carry");
            }
        }
        String options = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
        if (Holder.SYS.mount("overlay", merged.toString(), "overlay", MS_NOSUID | MS_NODEV, options) != 0) {
            int errno = Native.errno();
            throw new IOException("mount overlay on " + merged + " (" + options + "): " + Native.describe(errno));
        }
    }

    /** Detaches whatever is mounted on {@code dir} (lazily, so open files do not block it). */
    public static void unmount(Path dir) throws IOException {
        if (Holder.SYS.umount2(dir.toString(), MNT_DETACH) != 0) {
            int errno = Native.errno();
            throw new IOException("umount " + dir + ": " + Native.describe(errno));
        }
    }

    /**
     * A new tmpfs ({@code nosuid,nodev}) with these options ({@code size=...,mode=...,uid=...,gid=...}), mounted
     * nowhere: the descriptor returned (an {@code O_PATH} one of its root) is the only way to it, until a helper
     * moves it into a job's root ({@link MountOp#move}). It is gone when the last descriptor and the last mount of
     * it are.
     */
    public static int detachedTmpfs(String options) throws IOException {
        long fs = Holder.SYS.syscall(SYS_FSOPEN, HostFiles.c("tmpfs"), 1 /* FSOPEN_CLOEXEC */);
        if (fs < 0) {
            throw HostFiles.failure("fsopen tmpfs", Native.errno());
        }
        try {
            for (String opt : options.split(",")) {
                int eq = opt.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("tmpfs option (" + opt + ") must be key=value");
                }
                if (Holder.SYS.syscall(SYS_FSCONFIG, (int) fs, FSCONFIG_SET_STRING, HostFiles.c(opt.substring(0, eq)),
                        HostFiles.c(opt.substring(eq + 1)), 0) < 0) {
                    throw HostFiles.failure("fsconfig tmpfs " + opt, Native.errno());
                }
            }
            if (Holder.SYS.syscall(SYS_FSCONFIG, (int) fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) {
                throw HostFiles.failure("fsconfig tmpfs create (" + options + ")", Native.errno());
            }
            long mnt = Holder.SYS.syscall(SYS_FSMOUNT, (int) fs, 1 /* FSMOUNT_CLOEXEC */, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
            if (mnt < 0) {
                throw HostFiles.failure("fsmount tmpfs", Native.errno());
            }
            return (int) mnt;
        } finally {
            Holder.SYS.close((int) fs);
        }
    }
}
