package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;

/**
 * The detached tmpfs ({@code fsopen}/{@code fsmount}) that a job's workspace lives on: it is in no mount namespace of
 * the host, so it goes with the last descriptor. Stateless; the descriptor returned belongs to the caller (close it
 * with {@link HostFiles#close}).
 */
public final class DetachedTmpfs {
    private static final long SYS_FSOPEN = 430, SYS_FSCONFIG = 431, SYS_FSMOUNT = 432;
    private static final int FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;
    private static final int MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4;

    private DetachedTmpfs() {}

    /**
     * A new tmpfs ({@code nosuid,nodev}) with these options ({@code size=...,mode=...,uid=...,gid=...}), mounted
     * nowhere: the descriptor returned (an {@code O_PATH} one of its root) is the only way to it, until a helper
     * moves it into a job's root ({@link MountOp#move}). It is gone when the last descriptor and the last mount of
     * it are.
     */
    public static int create(String options) throws IOException {
        long fs = HostFiles.sys().syscall(SYS_FSOPEN, HostFiles.c("tmpfs"), 1 /* FSOPEN_CLOEXEC */);
        if (fs < 0) {
            throw HostFiles.failure("fsopen tmpfs", Native.errno());
        }
        try {
            for (String opt : options.split(",")) {
                int eq = opt.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("tmpfs option (" + opt + ") must be key=value");
                }
                if (HostFiles.sys().syscall(SYS_FSCONFIG, (int) fs, FSCONFIG_SET_STRING, HostFiles.c(opt.substring(0, eq)),
                        HostFiles.c(opt.substring(eq + 1)), 0) < 0) {
                    throw HostFiles.failure("fsconfig tmpfs " + opt, Native.errno());
                }
            }
            if (HostFiles.sys().syscall(SYS_FSCONFIG, (int) fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) {
                throw HostFiles.failure("fsconfig tmpfs create (" + options + ")", Native.errno());
            }
            long mnt = HostFiles.sys().syscall(SYS_FSMOUNT, (int) fs, 1 /* FSMOUNT_CLOEXEC */, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
            if (mnt < 0) {
                throw HostFiles.failure("fsmount tmpfs", Native.errno());
            }
            return (int) mnt;
        } finally {
            HostFiles.sys().close((int) fs);
        }
    }
}
