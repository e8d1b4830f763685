package dev.joblet;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The other side of {@link RootlessEscapeSuiteTest}: a {@code main} run in a JVM of an unprivileged user, so
 * that every job goes through rootless mode. It runs the escape attempts one after the other (user
 * namespaces are a counted resource) and prints one JSON object per job on stdout:
 * {@code {"attempt":"...","userns":false,"exit":0,"reason":"EXITED","output":"...","error":""}}; {@code exit}
 * is -1 and {@code error} the message when the job did not start. Arguments: {@code suite} or
 * {@code cgroup}, then the host pid, the host port and the host marker's file name.
 *
 * <p>{@code suite} runs every attempt without a cgroup ({@code pidsMax(0)}, {@code noMemoryLimit()}), as rootless mode must without a
 * delegated one; attempts that ask for a limit are expected not to start. {@code cgroup} runs the attempts
 * that need limits (the fork bomb, a memory bomb) with the driver's defaults, for a JVM placed in a cgroup
 * delegated to its user.
 */
final class RootlessEscapeRunner {
    static final String MEMORY_BOMB = "memory bomb";

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        if (args[0].equals("defaults")) {
            defaults(out);
            return;
        }
        boolean cgroup = args[0].equals("cgroup");
        String hostPid = args[1];
        String hostPort = args[2];
        String marker = args[3];
        for (EscapeAttempts.Attempt a : EscapeAttempts.all()) {
            if (cgroup && !a.name().equals("fork bomb") && !EscapeAttemptsPools.NEED_A_CGROUP.contains(a.name())) {
                continue;
            }
            String code = EscapeAttempts.PRELUDE + a.python().replace("HOST_PID", hostPid)
                    .replace("HOST_PORT", hostPort).replace("HOST_MARKER", marker);
            for (boolean userns : List.of(false, true)) {
                JobSpec.Builder b = Joblet.builder().command("python3", "-c", code);
                if (!cgroup) {
                    b.pidsMax(0).noMemoryLimit();
                }
                b = a.spec().apply(b);
                if (userns) {
                    b.rootInUserNamespace();
                }
                out.println(run(a.name(), userns, b));
            }
        }
        if (cgroup) {
            out.println(run(MEMORY_BOMB, false, Joblet.builder().memory(MemorySize.ofMegabytes(32))
                    .command("python3", "-c", "x = bytearray(256 << 20); print('ESCAPED')")));
        }
    }

    /**
     * {@code defaults}: default jobs in a JVM with no cgroup of its own: what holds inside one, a fork bomb against the
     * replacement of the pids limit, limits asked for (refused), and checkEnvironment()'s "default job".
     */
    private static void defaults(PrintStream out) {
        out.println(run("default job", false, Joblet.builder().command("sh", "-c", "id -u; tail -n +3 /proc/net/dev"
                + " | cut -d: -f1 | tr -d ' '; grep -E 'Max (processes|data size)' /proc/self/limits | tr -s ' ';"
                + " df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f1,2")));
        out.println(run("default fork bomb", false, Joblet.builder().command("perl", "-e", "my $n = 1; while (1) {"
                + " my $p = fork(); if (!defined $p) { print \"forks stopped at $n: $!\\n\"; last }"
                + " if ($p == 0) { sleep 60; exit 0 } $n++ }")));
        out.println(run("asked memory", false, Joblet.builder().memory(MemorySize.ofMegabytes(64)).command("true")));
        out.println(run("asked pids", false, Joblet.builder().pidsMax(64).command("true")));
        String check = Joblet.system().checkEnvironment().stream().filter(c -> c.name().equals("default job"))
                .map(c -> c.status() + ": " + c.detail()).findFirst().orElse("none");
        out.println(json("check", false, 0, "", check, ""));
    }

    private static String run(String name, boolean userns, JobSpec.Builder b) {
        try (Job job = b.start()) {
            JobResult r = job.await();
            return json(name, userns, r.exitCode().orElse(-2), r.reason().name(),
                    job.stdout().text() + job.stderr().text(), "");
        } catch (Exception e) {
            return json(name, userns, -1, "", "", String.valueOf(e.getMessage()));
        }
    }

    private static String json(String name, boolean userns, int exit, String reason, String output, String error) {
        return "{\"attempt\":" + quote(name) + ",\"userns\":" + userns + ",\"exit\":" + exit + ",\"reason\":"
                + quote(reason) + ",\"output\":" + quote(output) + ",\"error\":" + quote(error) + "}";
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private RootlessEscapeRunner() {}
}
