package dev.joblet.namespaces;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A job started by the {@link Launcher}: its PID 1 runs in new namespaces under a small native
 * supervisor. Thread-safe. Every fd and the supervisor are released by the launcher when the job ends.
 */
public interface LaunchedProcess {
    /** The PID of the job's PID 1, as the JVM's PID namespace sees it. */
    int pid();

    /**
     * Sends a signal to the job's PID 1 (through the supervisor, so never to a recycled PID). Note the
     * kernel delivers to a namespace's PID 1 from outside only SIGKILL, SIGSTOP and signals it handles.
     * Does nothing once the job has ended.
     */
    void signal(int signal) throws IOException;

    /**
     * Completes when PID 1 has exited, every process of the job is gone (the kernel ends a PID namespace's
     * processes before its PID 1 is reaped) and its output has been delivered to the end; the supervisor may
     * still be exiting (see {@link #onReleased()}). Completed on the launcher's I/O thread: dependent actions
     * must not block (use the async variants).
     */
    CompletableFuture<ExitStatus> onExit();

    /**
     * Completes after {@link #onExit()}, once the supervisor has been reaped and every fd of the job closed: then
     * nothing of the launch remains (a warm supervisor sat in the job's cgroup until now). Completed on the
     * launcher's I/O thread.
     */
    default CompletableFuture<Void> onReleased() {
        return onExit().handle((s, e) -> null);
    }

    /**
     * Writes input to the job's terminal (tty jobs only; see {@link LaunchRequest#tty()}), as typed: bytes such
     * as Ctrl-C (3) reach the job's foreground process group through the terminal's line discipline.
     *
     * @throws IOException when the job has no terminal or has ended
     */
    void writeInput(byte[] data, int off, int len) throws IOException;

    /** Sets the size of the job's terminal (tty jobs only); the job's foreground process gets SIGWINCH. */
    void resizeTerminal(int rows, int columns) throws IOException;

    /**
     * Whether {@code signal} sent with {@link #signal(int)} would reach PID 1 now: the kernel drops a signal sent to
     * a namespace's PID 1 from outside unless PID 1 catches it (SigCgt), or blocks it (SigBlk of any of its threads:
     * it may take it with {@code sigwaitinfo}, as tini and dumb-init do); SIGKILL and SIGSTOP always reach it. When
     * the dispositions cannot be read, true (the caller then waits its grace as before). False once the job ended.
     */
    default boolean deliverable(int signal) {
        return isAlive();
    }

    /**
     * Whether PID 1 has a handler for {@code signal} now (SigCgt); true when that cannot be read. A signal that is
     * only {@linkplain #deliverable(int) deliverable} because it is blocked may be blocked for a moment only (a shell
     * blocks every signal around a fork): once unblocked, a signal PID 1 does not catch is dropped.
     */
    default boolean catches(int signal) {
        return isAlive();
    }

    /**
     * Completes (on the launcher's I/O thread) when the supervisor has died without reporting the job's end, e.g.
     * killed from outside; {@link #onExit()} then completes exceptionally with a {@link SupervisorDiedException}
     * once the job's processes are gone. The job is killed with its supervisor by the kernel; a caller that holds
     * the job's cgroup kills it too. Never completes when the supervisor reports normally.
     */
    default CompletableFuture<SupervisorDiedException> onSupervisorLost() {
        return new CompletableFuture<>();
    }

    default boolean isAlive() {
        return !onExit().isDone();
    }
}
