package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;
import org.jspecify.annotations.Nullable;

/**
 * Mounts in the calling process's own mount namespace (the host's, for the JVM): a size-limited tmpfs that a job's
 * workspace lives on, so that the host can fill it before the job starts and read it after the job ends.
 * Stateless and thread-safe.
 */
public final class HostMounts {
    private static final long MS_NOSUID = 2, MS_NODEV = 4;
    private static final int MNT_DETACH = 2;

    /** mount(2) and umount2(2), with C names and C types. */
    public interface Sys {
        @SaveError
        int mount(@Nullable String source, String target, @Nullable String fstype, long flags, @Nullable String data);

        @SaveError
        int umount2(String target, int flags);
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
}
