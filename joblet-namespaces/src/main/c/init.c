/*
 * The job's init (CFG_INIT, opt-in): a minimal PID 1 that forwards signals to the command and reaps orphans.
 *
 * Without CFG_INIT the command itself is PID 1 of the job's PID namespace (the default contract). With it, the
 * child, once everything that applies to the job's process is done (rlimits, no_new_privs, capabilities, ids,
 * seccomp, close-on-exec on every fd above stdio), forks: the fork (PID 2) returns to exec the command as usual,
 * and the parent stays here as PID 1 and never returns. So init runs under the same ids, filter and limits as the
 * command; it only uses fork, sigprocmask, sigwaitinfo, kill, wait4, write, close and exit.
 *
 * Init:
 *  - blocks every signal it forwards and waits for them with sigwaitinfo (a blocked signal is queued even for a
 *    PID 1, whose default actions the kernel otherwise drops);
 *  - forwards every signal but SIGCHLD (and those the kernel only delivers synchronously) to the command: the
 *    supervisor's SIGTERM (stop) then reaches a command that has the default action for it, and it ends;
 *  - reaps every child (orphans re-parented to PID 1 included) on SIGCHLD;
 *  - exits once the command is reaped; the PID namespace's other processes die with it (the kernel kills them).
 * The command's end is reported to the supervisor over the init pipe as { i32 si_code, i32 si_status } (a PID 1
 * cannot die by a signal it does not catch, so its own exit status could not say "killed by SIGTERM"); the
 * supervisor relays that instead of init's own status (init_exit_status). Nothing there: init itself was killed.
 *
 * The command gets a process group of its own (setpgid) and, on a terminal, becomes its foreground group: a
 * terminal's Ctrl-C reaches it once, from the terminal, and init does not forward what the terminal sent it too.
 */
#include "helper.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The init pipe: read end for the supervisor, write end for init; -1 without CFG_INIT. */
static int init_pipe[2] = {-1, -1};

int init_prepare(const struct config *cfg) {
    if (!(cfg->flags & CFG_INIT)) return 0;
    return pipe2(init_pipe, O_CLOEXEC);
}

void init_supervisor_side(void) {
    if (init_pipe[1] < 0) return;
    close(init_pipe[1]);
    init_pipe[1] = -1;
    /* Read once init is reaped: what it wrote is there, or nothing (it was killed); never wait. */
    fcntl(init_pipe[0], F_SETFL, O_NONBLOCK);
}

void init_exit_status(siginfo_t *si) {
    if (init_pipe[0] < 0) return;
    int32_t msg[2];
    ssize_t n;
    do n = read(init_pipe[0], msg, sizeof msg); while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof msg) {
        si->si_code = msg[0];
        si->si_status = msg[1];
    }
}

/* Signals the kernel raises for a fault of the process itself: never forwarded, never blocked. */
static int synchronous(int s) {
    return s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP || s == SIGSYS;
}

static void forwarded_set(sigset_t *set) {
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
    for (int s = 1; s < NSIG; s++) {
        if (synchronous(s)) sigdelset(set, s);
    }
}

_Noreturn static void report_and_exit(int status) {
    int32_t msg[2];
    if (WIFSIGNALED(status)) {
        msg[0] = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
        msg[1] = WTERMSIG(status);
    } else {
        msg[0] = CLD_EXITED;
        msg[1] = WEXITSTATUS(status);
    }
    ssize_t ignored = write(init_pipe[1], msg, sizeof msg);
    (void)ignored;
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

_Noreturn static void init_loop(pid_t command, const sigset_t *set) {
    for (;;) {
        siginfo_t si;
        int s = sigwaitinfo(set, &si);
        if (s < 0) continue; /* EINTR */
        if (s != SIGCHLD) {
            /* What the terminal sent the command's group reached it already. */
            if (si.si_code == SI_KERNEL && (s == SIGINT || s == SIGQUIT || s == SIGTSTP || s == SIGWINCH)) continue;
            kill(command, s);
            continue;
        }
        for (;;) {
            int status;
            pid_t p = waitpid(-1, &status, WNOHANG);
            if (p <= 0) break;
            if (p == command) report_and_exit(status);
        }
    }
}

/* What ps shows: "joblet-init" as its name and its command line (the helper's argv, exactly { "joblet-helper",
 * HELPER_ARGV_MAGIC }, one contiguous area, is overwritten in place and padded with NULs). */
static void name_init(void) {
    (void)prctl(PR_SET_NAME, "joblet-init", 0, 0, 0);
    char *start = program_invocation_name;
    char *arg1 = start + strlen(start) + 1;
    size_t span = (size_t)(arg1 + strlen(arg1) + 1 - start);
    static const char name[] = "joblet-init";
    if (span < sizeof name) return;
    memset(start, 0, span);
    memcpy(start, name, sizeof name - 1);
}

void become_init(const struct config *cfg, int errfd) {
    if (!(cfg->flags & CFG_INIT)) return;
    int fault = fault_at(cfg, ST_INIT);
    if (fault != 0) die(ST_INIT, fault, 0, "init step 0");
    sigset_t set, old;
    forwarded_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, &old) < 0) die(ST_INIT, errno, 0, "init step 0");
    pid_t pid = fork();
    if (pid < 0) die(ST_INIT, errno, 1, "init step 1");
    if (pid == 0) {
        close(init_pipe[0]);
        /* The command: a group of its own, the terminal's foreground one when it has a terminal. */
        close(init_pipe[1]);
        if (setpgid(0, 0) < 0) die(ST_INIT, errno, 2, "init step 2");
        if ((cfg->flags & CFG_TTY) && tcsetpgrp(0, getpid()) < 0) die(ST_INIT, errno, 3, "init step 3");
        if (sigprocmask(SIG_SETMASK, &old, NULL) < 0) die(ST_INIT, errno, 0, "init step 0");
        return;
    }
    /* Init keeps only the init pipe: EOF on errfd (the command's exec), on the control pipe and on the job's
     * output must not wait for init. */
    int keep = init_pipe[1];
    if (keep > 3) syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U);
    syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U);
    for (int fd = 0; fd <= 2; fd++) close(fd);
    (void)errfd;
    name_init();
    init_loop(pid, &set);
}
