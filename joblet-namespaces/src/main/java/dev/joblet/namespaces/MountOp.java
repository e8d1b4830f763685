package dev.joblet.namespaces;

import java.util.Objects;

/**
 * One step of building a job's root filesystem, applied in order inside the new root. Targets are
 * absolute paths as the job sees them. Immutable.
 *
 * @param kind what to do
 * @param source the host path (bind: resolved once by the helper, refusing a link in any component but the last,
 *     which is recreated as the same link), the link text (symlink), the JVM's descriptor number (move); empty
 *     otherwise
 * @param target the absolute path inside the job's root
 * @param readOnly bind or tmpfs mounted read-only
 * @param optional a bind whose source does not exist is skipped instead of failing the start
 * @param data mount options (tmpfs), e.g. {@code size=64m,mode=1777}; for {@code DEV}, options added to those of
 *     its devpts instance, e.g. {@code max=64}
 */
public record MountOp(Kind kind, String source, String target, boolean readOnly, boolean optional, String data) {

    /** The kinds of steps; the codes are the wire protocol's. */
    public enum Kind {
        BIND(1),
        TMPFS(2),
        PROC(3),
        DEV(4),
        DIR(5),
        SYMLINK(6),
        /** A detached mount (see {@link DetachedTmpfs#create}) held by this JVM as a descriptor, moved in. */
        MOVE(7),
        /**
         * A read-only file at the target holding {@code data} followed by the job's hostname and a newline (its
         * {@code /etc/hosts} and {@code /etc/hostname}), written by the helper into the root; over the runtime's own
         * file when the target's directory is the runtime's (optional: skipped when it has none).
         */
        NAMED_FILE(8);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public MountOp {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(data, "data");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("mount target (" + target + ") must be an absolute path");
        }
        if (kind == Kind.MOVE && !source.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("move source (" + source + ") must be a descriptor number");
        }
        if (kind == Kind.BIND && !source.startsWith("/")) {
            throw new IllegalArgumentException("bind source (" + source + ") must be an absolute path");
        }
        for (String s : new String[] {source, target, data}) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("mount argument (" + s.replace('\0', '?') + ") contains NUL");
            }
        }
    }

    public static MountOp bind(String source, String target, boolean readOnly) {
        return new MountOp(Kind.BIND, source, target, readOnly, false, "");
    }

    /** A read-only bind that is skipped when the host has no such path. */
    public static MountOp optionalBind(String source, String target) {
        return new MountOp(Kind.BIND, source, target, true, true, "");
    }

    public static MountOp tmpfs(String target, String options) {
        return new MountOp(Kind.TMPFS, "", target, false, false, options);
    }

    public static MountOp proc(String target) {
        return new MountOp(Kind.PROC, "", target, false, false, "");
    }

    /**
     * A minimal /dev whose devpts instance has no bound of its own (only the kernel's shared {@code kernel.pty.max}):
     * for tests and tools; jobs use {@link #dev(String, int)}.
     */
    public static MountOp dev(String target) {
        return new MountOp(Kind.DEV, "", target, false, false, "");
    }

    /**
     * A minimal /dev whose devpts instance holds at most {@code maxPtys} pseudo-terminals at once (its {@code max=}
     * option; a tty job's own terminal is one of them), so that a job cannot drain the pool all instances share.
     */
    public static MountOp dev(String target, int maxPtys) {
        if (maxPtys < 0 || maxPtys > MAX_PTYS) {
            throw new IllegalArgumentException("maxPtys (" + maxPtys + ") must be 0-" + MAX_PTYS);
        }
        return new MountOp(Kind.DEV, "", target, false, false, "max=" + maxPtys);
    }

    /** The most ptys a devpts instance can have (the kernel's NR_UNIX98_PTY_MAX). */
    public static final int MAX_PTYS = 1 << 20;

    public static MountOp dir(String target) {
        return new MountOp(Kind.DIR, "", target, false, false, "");
    }

    /**
     * The detached mount this JVM holds as {@code fd}, moved to {@code target}: the helper copies the descriptor out
     * of the JVM ({@code pidfd_getfd}) and the job's child moves the mount into its root. The JVM must keep
     * {@code fd} open until the job has started.
     */
    public static MountOp move(int fd, String target) {
        return new MountOp(Kind.MOVE, Integer.toString(fd), target, false, false, "");
    }

    /**
     * A read-only file at {@code target} holding {@code prefix}, then the job's hostname and a newline; the hostname
     * is the helper's to fill in (also when it is set only after a prepared root's wait), so the request stays the
     * same for jobs named each their own way.
     */
    public static MountOp namedFile(String target, String prefix) {
        return new MountOp(Kind.NAMED_FILE, "", target, true, true, prefix);
    }

    public static MountOp symlink(String linkText, String target) {
        return new MountOp(Kind.SYMLINK, linkText, target, false, false, "");
    }

    /** How an error message names this step: "mount /proc", "bind /usr". */
    public String describe() {
        switch (kind) {
            case BIND:
                return "bind " + source + " on " + target;
            case SYMLINK:
                return "symlink " + target;
            case DIR:
                return "mkdir " + target;
            case MOVE:
                return "mount the workspace on " + target;
            case NAMED_FILE:
                return "write " + target;
            default:
                return "mount " + kind.name().toLowerCase(java.util.Locale.ROOT) + " on " + target;
        }
    }
}
