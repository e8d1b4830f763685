package dev.joblet;

import java.util.List;

/**
 * Escape-suite attempts on the kernel's pty pool (issue 17, kernel pools): every job's devpts instance draws on
 * one pool ({@code kernel.pty.max} minus {@code kernel.pty.reserve}), so a job that opens ptys until it cannot
 * would leave none to other jobs. Its devpts' {@code max=} ({@link JobSpec#ptysMax}) stops it.
 */
final class EscapeAttemptsPtys {
    /** How many ptys the attempt counts as having drained the pool: well past the default bound. */
    static final int DRAINED = 4 * JobSpec.DEFAULT_PTYS_MAX;

    /**
     * Opens ptys until it fails (ENOSPC, at the bound of its own instance) or has {@link #DRAINED} of them: then it
     * went past the bound, and stops there not to take the shared pool from the host's other users for real.
     */
    static final String DRAIN = String.join("\n",
            "ptys = []",
            "try:",
            "    while len(ptys) < " + DRAINED + ":",
            "        ptys.append(os.openpty())",
            "except OSError as e:",
            "    print('blocked after', len(ptys), errno.errorcode.get(e.errno, e.errno))",
            "    sys.exit(0 if e.errno == errno.ENOSPC and len(ptys) <= " + JobSpec.DEFAULT_PTYS_MAX + " else 2)",
            "print('ESCAPED: opened', len(ptys), 'ptys')",
            "sys.exit(1)");

    static void addTo(List<EscapeAttempts.Attempt> a) {
        a.add(new EscapeAttempts.Attempt("drain the pty pool every job's devpts shares", DRAIN, b -> b));
    }

    private EscapeAttemptsPtys() {}
}
