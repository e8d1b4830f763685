/*
 * Detached jobs (MSG_DETACH): the supervisor owns the job with no JVM attached.
 *
 * The JVM made the job's state directory and wrote its "job" file (who, what, limits) before the launch. Here the
 * supervisor forks once before the clone (its parent exits and is reaped by the JVM, so the supervisor belongs to no
 * JVM and outlives it), gives the job pipes of its own as stdout and stderr, and from MSG_STARTED on ignores the
 * control pipe: the JVM's exit no longer ends the job. It writes into the directory:
 *
 *   status  key=value lines, replaced atomically (written to status.tmp, then renamed), under an fcntl write lock
 *           on the file "lock" (the lock Java's FileChannel.lock takes, so rnx processes and supervisors see each
 *           other's locks; flock locks would not). At the start: state=running, supervisor_pid, supervisor_start
 *           (field 22 of /proc/<pid>/stat: a reader tells a live supervisor from a recycled pid), job_pid,
 *           started_ms. At the end, state=ended with exit_kind (exited, killed, dumped), exit_status, reason
 *           (exited, signal, timeout, oom, stopped; lost when waitid failed), ended_ms, the final usage read
 *           from the job's cgroups (usage.c: cpu_user_us, cpu_system_us, cpu_throttled_us, memory_peak, oom_kills,
 *           pids_peak, io_read_bytes, io_write_bytes; -1 when not known), stdout_bytes, stderr_bytes (everything the job
 *           wrote, logged or not), log_cut (0 or 1) and log_errno (why it was cut early: 0 for the cap).
 *   log     records { u32 stream, u32 length, u64 offset, u64 time_ms } + length bytes, little-endian; stream 1 is
 *           stdout, 2 stderr, offset the position of the first byte in its stream; stream 3 is the cut record
 *           (length 16: { u64 stdout offset, u64 stderr offset } where each stream stopped being logged). Policy:
 *           the file never exceeds the cap, records included; everything is logged while under it; the record
 *           that would cross it is shortened to what fits, then the cut record is written and nothing more (the job
 *           keeps running, its output still read and counted). A write error (a full disk) cuts the log the same
 *           way at the last whole record (the file is truncated back to it), with log_errno set.
 *
 * Signals to the supervisor (sent by rnx or a JVM to supervisor_pid, checked against supervisor_start): SIGTERM
 * (SIGINT, SIGHUP) forwards SIGTERM to the job, SIGUSR1 kills it; either marks the end as "stopped". On timeout the
 * supervisor sends the job SIGTERM and kills it grace_ms later (at once when PID 1 neither catches nor blocks TERM,
 * as the JVM does for jobs it supervises). It removes the job's cgroups once it has read their figures, then exits.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum { REC_HEADER = 24, CUT_BODY = 16, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_CUT = 3 };

static int dirfd_ = -1;
static int logfd = -1;
static int pipes[2][2] = {{-1, -1}, {-1, -1}}; /* stdout, stderr: { read, write } */
static const struct detach *det;

static uint64_t log_size;
static uint64_t offsets[2];
static int log_cut;
static int log_errno;

uint64_t detach_now_ms(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void put_u64(uint8_t *p, uint64_t v) {
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

void detach_begin(const struct config *cfg, const struct detach *d) {
    det = d;
    FAULT_POINT(cfg, ST_DETACH, 0);
    dirfd_ = open(d->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd_ < 0) die_errno(ST_DETACH, 0, "open %s", d->dir);
    FAULT_POINT(cfg, ST_DETACH, 1);
    logfd = openat(dirfd_, "log", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (logfd < 0) die_errno(ST_DETACH, 1, "create %s/log", d->dir);
    if (d->keep_fd >= 0) { /* held (close-on-exec, as the kernel makes it) until the supervisor exits */
        int jvm = watch_jvm();
        if (jvm < 0 || syscall(SYS_pidfd_getfd, jvm, d->keep_fd, 0) < 0) die_errno(ST_DETACH, 5, "pidfd_getfd");
    }
    FAULT_POINT(cfg, ST_DETACH, 2);
    if (pipe2(pipes[0], O_CLOEXEC) < 0 || pipe2(pipes[1], O_CLOEXEC) < 0) die_errno(ST_DETACH, 2, "pipe2");
    FAULT_POINT(cfg, ST_DETACH, 3);
    pid_t p = fork(); /* the helper's own fork (a small static C program), never the JVM's */
    if (p < 0) die_errno(ST_DETACH, 3, "fork");
    if (p > 0) _exit(0); /* the JVM reaps this one; the supervisor goes on in the child, nobody's child */
    /* The job inherits these as its stdout and stderr (the supervisor's own go to /dev/null after the clone). */
    if (dup2(pipes[0][1], 1) < 0 || dup2(pipes[1][1], 2) < 0) die_errno(ST_DETACH, 2, "dup2");
    close(pipes[0][1]);
    close(pipes[1][1]);
    pipes[0][1] = pipes[1][1] = -1;
    detach_wait(cfg, d); /* a job to start later: waits here, nobody's child */
}

/* Field 22 of /proc/self/stat (p starts at the space before field 3; 19 steps reach the one before 22). */
unsigned long long detach_start_time(void) {
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL) return 0;
    p++;
    for (int field = 3; field < 22 && p != NULL; field++) p = strchr(p + 1, ' ');
    return p == NULL ? 0 : strtoull(p + 1, NULL, 10);
}

int detach_lock(void) {
    int lock = openat(dirfd_, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (lock < 0) return -1;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    while (fcntl(lock, F_SETLKW, &fl) < 0 && errno == EINTR) {
    }
    return lock;
}

int detach_replace_status(const char *text) {
    int err = 0;
    int fd = openat(dirfd_, "status.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) return errno;
    if (write_exact(fd, text, strlen(text)) < 0 || fsync(fd) < 0) err = errno;
    close(fd);
    if (err == 0 && renameat(dirfd_, "status.tmp", dirfd_, "status") < 0) err = errno;
    return err;
}

/* Replaces the status file with text, atomically, under the directory's lock; 0 or an errno value. */
int detach_write_status(const char *text) {
    int lock = detach_lock();
    if (lock < 0) return errno;
    int err = detach_replace_status(text);
    close(lock); /* drops the lock */
    return err;
}

/* All n bytes at offset off, or -1 with errno. */
static int write_exact_at(int fd, const uint8_t *p, size_t n, uint64_t off) {
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Appends one record; on a write error truncates back to the last whole record and reports the errno. */
static int append(uint32_t stream, const uint8_t *data, uint32_t len, uint64_t offset) {
    uint8_t hdr[REC_HEADER];
    put_u32(hdr, stream);
    put_u32(hdr + 4, len);
    put_u64(hdr + 8, offset);
    put_u64(hdr + 16, detach_now_ms(CLOCK_REALTIME));
    errno = 0;
    if (write_exact_at(logfd, hdr, REC_HEADER, log_size) < 0
            || (len > 0 && write_exact_at(logfd, data, len, log_size + REC_HEADER) < 0)) {
        int err = errno != 0 ? errno : EIO;
        if (ftruncate(logfd, (off_t)log_size) < 0) { /* nothing more to do: the reader stops at a short record */
        }
        return err;
    }
    log_size += REC_HEADER + len;
    return 0;
}

static void cut(int err) {
    if (log_cut) return;
    log_cut = 1;
    log_errno = err;
    uint8_t body[CUT_BODY];
    put_u64(body, offsets[0]);
    put_u64(body + 8, offsets[1]);
    (void)append(STREAM_CUT, body, CUT_BODY, 0);
}

/* One read of stream i (0 stdout, 1 stderr): logged while under the cap, counted always. 0 on EOF. */
static ssize_t pump(int i) {
    static uint8_t buf[65536];
    ssize_t n = read(pipes[i][0], buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    uint64_t offset = offsets[i];
    offsets[i] += (uint64_t)n;
    if (log_cut) return n;
    uint64_t room = det->log_cap > log_size + REC_HEADER + REC_HEADER + CUT_BODY
            ? det->log_cap - log_size - REC_HEADER - REC_HEADER - CUT_BODY : 0;
    uint32_t len = (uint64_t)n <= room ? (uint32_t)n : (uint32_t)room;
    if (len > 0) {
        int err = append(i == 0 ? STREAM_STDOUT : STREAM_STDERR, buf, len, offset);
        if (err != 0) {
            offsets[i] = offset; /* nothing of this read was logged: the cut is where the log stops */
            cut(err);
            offsets[i] = offset + (uint64_t)n;
            return n;
        }
    }
    if (len < (uint32_t)n) {
        offsets[i] = offset + len;
        cut(0);
        offsets[i] = offset + (uint64_t)n;
    }
    return n;
}

/* The job's cgroup directories, each rmdir'ed (waiting out, at most a second, a v1 cgroup that stays busy a while
 * after its last task); the owner directory <own>/joblet/detached stays, as drivers of live JVMs hold it. */
void detach_remove_cgroups(const struct config *cfg) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (uint32_t i = 0; i <= cfg->ncgroups; i++) {
        char dir[4096];
        if (i < cfg->ncgroups) {
            const char *slash = strrchr(cfg->cgroup_procs[i], '/');
            if (slash == NULL || (size_t)(slash - cfg->cgroup_procs[i]) >= sizeof dir) continue;
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - cfg->cgroup_procs[i]), cfg->cgroup_procs[i]);
        } else if (cfg->cgroup2_dir[0] != '\0') {
            snprintf(dir, sizeof dir, "%s", cfg->cgroup2_dir);
        } else {
            continue;
        }
        for (int t = 0; t < 100 && rmdir(dir) < 0 && errno == EBUSY; t++) nanosleep(&pause, NULL);
    }
}

static int stop_requested;
static unsigned long long started_ms; /* the job's exec, recorded again in the final status */
static int timed_out;

_Noreturn static void finish(const struct config *cfg, const siginfo_t *si, int wait_err) {
    char usage[512];
    usage_format(cfg, usage, sizeof usage);
    long long ooms = usage_figure(cfg, "memory.oom_control", "oom_kill");
    if (ooms < 0) ooms = usage_figure(cfg, "memory.events", "oom_kill");
    const char *kind = si->si_code == CLD_EXITED ? "exited" : si->si_code == CLD_DUMPED ? "dumped" : "killed";
    const char *reason = wait_err != 0 ? "lost"
            : timed_out ? "timeout"
            : ooms > 0 && si->si_code != CLD_EXITED ? "oom"
            : stop_requested && si->si_code != CLD_EXITED ? "stopped"
            : si->si_code == CLD_EXITED ? "exited" : "signal";
    char text[2048];
    snprintf(text, sizeof text,
            "state=ended\nsupervisor_pid=%d\nsupervisor_start=%llu\nstarted_ms=%llu\nexit_kind=%s\nexit_status=%d\nreason=%s\n"
            "ended_ms=%llu\n%sstdout_bytes=%llu\nstderr_bytes=%llu\n"
            "log_bytes=%llu\nlog_cut=%d\nlog_errno=%d\nwait_errno=%d\n",
            (int)getpid(), detach_start_time(), started_ms, kind, si->si_status, reason, (unsigned long long)detach_now_ms(CLOCK_REALTIME),
            usage, (unsigned long long)offsets[0], (unsigned long long)offsets[1],
            (unsigned long long)log_size, log_cut, log_errno, wait_err);
    if (fsync(logfd) < 0) { /* the status is written regardless */
    }
    (void)detach_write_status(text);
    detach_remove_cgroups(cfg); /* the job is dead and no JVM owns its cgroups */
    _exit(0);
}

_Noreturn void detach_supervise(const struct config *cfg, int pidfd, int pid) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    char text[512];
    snprintf(text, sizeof text, "state=running\nsupervisor_pid=%d\nsupervisor_start=%llu\njob_pid=%d\nstarted_ms=%llu\n",
            (int)getpid(), detach_start_time(), pid, started_ms = (unsigned long long)detach_now_ms(CLOCK_REALTIME));
    int err = fault_at(cfg, ST_DETACH);
    if (err == 0 && sigfd < 0) err = errno;
    if (err == 0) err = detach_write_status(text);
    if (err != 0) {
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        siginfo_t si;
        waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
        detach_remove_cgroups(cfg);
        die(ST_DETACH, err, 4, "write the status file");
    }
    (void)send_msg(STATUS_FD, MSG_STARTED, (int32_t)pid, (int32_t)getpid(), 0);
    close(STATUS_FD); /* the JVM is let go: from here on nothing it does (or its death) reaches the job */
    close(CTL_FD);

    uint64_t deadline = det->timeout_ms == 0 ? 0 : detach_now_ms(CLOCK_MONOTONIC) + det->timeout_ms;
    uint64_t kill_at = 0; /* after a timeout's SIGTERM: when SIGKILL follows */
    int killed = 0;
    uint64_t drain_until = 0;
    int exited = 0, wait_err = 0;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    for (;;) {
        struct pollfd fds[4] = {{.fd = exited ? -1 : pidfd, .events = POLLIN}, {.fd = pipes[0][0], .events = POLLIN},
                {.fd = pipes[1][0], .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
        if (exited && pipes[0][0] < 0 && pipes[1][0] < 0) finish(cfg, &si, wait_err);
        int wait = -1;
        uint64_t now = detach_now_ms(CLOCK_MONOTONIC);
        if (exited) {
            if (now >= drain_until) finish(cfg, &si, wait_err); /* a writer the job passed on holds a pipe: stop */
            wait = (int)(drain_until - now);
        } else if (deadline != 0) {
            if (now >= deadline && !timed_out) {
                timed_out = 1;
                kill_at = handles_term(pid) ? now + det->grace_ms : now;
                if (kill_at > now) syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
            }
            if (timed_out && !killed && now >= kill_at) {
                killed = 1;
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            }
            wait = !timed_out ? (int)(deadline - now) : killed ? 100 : (int)(kill_at - now);
        }
        int n = poll(fds, 4, wait);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        for (int i = 0; i < 2; i++) {
            if (fds[1 + i].revents & (POLLIN | POLLHUP | POLLERR)) {
                if (pump(i) == 0) {
                    close(pipes[i][0]);
                    pipes[i][0] = -1;
                }
            }
        }
        if (fds[3].revents & POLLIN) {
            struct signalfd_siginfo ssi;
            if (read(sigfd, &ssi, sizeof ssi) == (ssize_t)sizeof ssi && !exited) {
                stop_requested = 1;
                syscall(SYS_pidfd_send_signal, pidfd, ssi.ssi_signo == SIGUSR1 ? SIGKILL : SIGTERM, NULL, 0);
            }
        }
        if (fds[0].revents & POLLIN) {
            if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
                if (errno == EINTR) continue;
                wait_err = errno;
            }
            init_exit_status(&si); /* CFG_INIT: the command's end, not init's */
            exited = 1;
            drain_until = detach_now_ms(CLOCK_MONOTONIC) + 2000;
        }
    }
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
    finish(cfg, &si, errno);
}
