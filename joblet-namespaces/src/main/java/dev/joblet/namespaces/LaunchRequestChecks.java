package dev.joblet.namespaces;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The checks of {@link LaunchRequest} (only what would corrupt the wire format) and its root comparison, kept
 * apart from the request's fields and builder.
 */
final class LaunchRequestChecks {
    private LaunchRequestChecks() {}

    /** The checks run when a {@link LaunchRequest} is built. */
    static void check(List<String> argv, List<String> env, String hostname, String workdir, boolean tty,
            @Nullable TerminalSize terminalSize, List<MountOp> mounts) {
        if (terminalSize != null && !tty) {
            throw new IllegalArgumentException("terminalSize (" + terminalSize + ") needs tty (true)");
        }
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        for (String s : argv) {
            requireNoNul("argv", s);
        }
        for (String s : env) {
            requireNoNul("env", s);
        }
        requireNoNul("hostname", hostname);
        requireNoNul("workdir", workdir);
        if (tty && mounts.stream().noneMatch(m -> m.kind() == MountOp.Kind.DEV && m.target().equals("/dev"))) {
            throw new IllegalArgumentException("tty (true) needs a /dev mount (MountOp.dev): the terminal is made in"
                    + " the job's own devpts");
        }
    }

    static void requireNoNul(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " (" + value.replace('\0', '?') + ") contains NUL");
        }
    }

    /** See {@link LaunchRequest#sameRootAs(LaunchRequest)}: compares the encoded template messages. */
    static boolean sameRoot(LaunchRequest a, LaunchRequest b) {
        return java.util.Arrays.equals(dev.joblet.namespaces.internal.Protocol.encode(
                dev.joblet.namespaces.internal.Protocol.template(a)),
                dev.joblet.namespaces.internal.Protocol.encode(dev.joblet.namespaces.internal.Protocol.template(b)));
    }
}
