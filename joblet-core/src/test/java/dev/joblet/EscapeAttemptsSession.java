package dev.joblet;

import java.util.List;

/**
 * Escape attempts of the signal class (issue 17.1): a job has a session and a process group of its own, in its own
 * PID namespace, so nothing it signals reaches outside it. Without the job's own session (the supervisor's setsid
 * and the child's), the first attempt reports ESCAPED: the job then sits in the JVM's process group, whose leader
 * has no PID in here (getpgrp() is 0), and kill(0, ...) reaches every process of that group, other jobs and, from a
 * privileged job, the JVM (see JobSignalsStayInsideTest). The others are held by the PID namespace: a PID or pgid of
 * the host has no number in here.
 */
final class EscapeAttemptsSession {
    private EscapeAttemptsSession() {}

    static void addTo(List<EscapeAttempts.Attempt> a) {
        a.add(new EscapeAttempts.Attempt("kill 0 reaches only the job's own process group", String.join("\n",
                "pid = os.fork()",
                "if pid == 0:",
                "    os.kill(0, 9)",
                "    os._exit(0)",
                "_, st = os.waitpid(pid, 0)",
                "must(os.WIFSIGNALED(st) and os.getpgrp() == 1 and os.getsid(0) == 1,",
                "     'own session and group, kill(0) sent: ' + str((st, os.getpgrp(), os.getsid(0))))"), b -> b));
        a.add(new EscapeAttempts.Attempt("kill -1 finds nothing outside the job",
                "attempt(lambda: os.kill(-1, 9), 'ESRCH')", b -> b));
        a.add(new EscapeAttempts.Attempt("kill a host process group by its pgid",
                "attempt(lambda: os.killpg(HOST_PID, 9), 'ESRCH')", b -> b));
        a.add(new EscapeAttempts.Attempt("join a process group of the host",
                "attempt(lambda: os.setpgid(0, HOST_PID), 'EPERM')", b -> b));
        a.add(new EscapeAttempts.Attempt("take over a terminal's foreground (job control)",
                "attempt(lambda: os.tcsetpgrp(os.open('/dev/tty', os.O_RDWR), os.getpgrp()), 'ENXIO')", b -> b));
    }
}
