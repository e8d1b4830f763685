package dev.joblet.namespaces;

/**
 * How the job's PID 1 ended: an exit code, or the signal that killed it. Immutable.
 *
 * @param signalled true when killed by a signal
 * @param code the exit code (0-255), or the signal number when {@code signalled}
 * @param coreDumped the signal produced a core dump
 */
public record ExitStatus(boolean signalled, int code, boolean coreDumped) {
    public static ExitStatus exited(int code) {
        return new ExitStatus(false, code, false);
    }

    public static ExitStatus killed(int signal) {
        return new ExitStatus(true, signal, false);
    }

    /** The shell's convention: the exit code, or 128 + the signal number. */
    public int shellCode() {
        return signalled ? 128 + code : code;
    }
}
