/*
 * Scheduled detached jobs (MSG_DETACH with start_at_ms): the supervisor waits for the time, not a daemon nor a JVM.
 *
 * detach_begin calls detach_wait once the supervisor is nobody's child. It writes the status
 *   state=scheduled, supervisor_pid, supervisor_start, start_at_ms
 * answers MSG_STARTED with a = 0 (no job yet; b = its pid) and lets go of the JVM (its pipes become /dev/null, so a
 * later die() or MSG_STARTED reaches no one). A cancel is SIGTERM, SIGINT, SIGHUP or SIGUSR1, sent (by DetachedJob.cancel)
 * under the directory's lock while the status says scheduled: the supervisor removes the job's cgroups (empty: nothing
 * was cloned), records state=cancelled with ended_ms and exits. At the time it takes the lock, so that a cancel that
 * got it first is seen, records state=starting and returns to the launch; the stop signals stay blocked (the child
 * unblocks them, detach_supervise reads a late one as a stop). A failure from then on (the command not found, a mount
 * refused) is recorded by die()'s hook: state=ended, reason=failed, fail_stage, fail_errno, fail_detail.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static const struct config *failing_cfg;

/* die()'s hook once the JVM is gone: the failure goes into the status (no JVM reads the status pipe). */
static void record_failure(int stage, int err, int detail) {
    char text[512];
    snprintf(text, sizeof text,
            "state=ended\nsupervisor_pid=%d\nsupervisor_start=%llu\nreason=failed\nfail_stage=%d\nfail_errno=%d\n"
            "fail_detail=%d\nended_ms=%llu\n",
            (int)getpid(), detach_start_time(), stage, err, detail,
            (unsigned long long)detach_now_ms(CLOCK_REALTIME));
    (void)detach_write_status(text);
    if (failing_cfg != NULL) detach_remove_cgroups(failing_cfg);
}

/* The status with state and the supervisor's identity (the caller holds the lock when locked is 1). */
static int record(const char *state, const struct detach *d, int locked) {
    char text[512];
    snprintf(text, sizeof text, "state=%s\nsupervisor_pid=%d\nsupervisor_start=%llu\nstart_at_ms=%llu\nended_ms=%llu\n",
            state, (int)getpid(), detach_start_time(), (unsigned long long)d->start_at_ms,
            state[0] == 'c' ? (unsigned long long)detach_now_ms(CLOCK_REALTIME) : 0ull);
    return locked ? detach_replace_status(text) : detach_write_status(text);
}

void detach_wait(const struct config *cfg, const struct detach *d) {
    if (d->start_at_ms == 0) return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) die_errno(ST_DETACH, 6, "signalfd");
    int err = fault_at(cfg, ST_DETACH);
    if (err == 0) err = record("scheduled", d, 0);
    if (err != 0) {
        detach_remove_cgroups(cfg);
        die(ST_DETACH, err, 4, "write the status file");
    }
    (void)send_msg(STATUS_FD, MSG_STARTED, 0, (int32_t)getpid(), 0);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) { /* the JVM is let go: its pipes are closed, their numbers never reused for anything else */
        dup3(devnull, STATUS_FD, O_CLOEXEC);
        dup3(devnull, CTL_FD, O_CLOEXEC);
        close(devnull);
    }
    failing_cfg = cfg;
    die_also(record_failure);
    for (;;) {
        uint64_t now = detach_now_ms(CLOCK_REALTIME);
        struct signalfd_siginfo ssi;
        if (now < d->start_at_ms) {
            uint64_t left = d->start_at_ms - now;
            struct pollfd p = {.fd = sigfd, .events = POLLIN};
            (void)poll(&p, 1, left > 60000 ? 60000 : (int)left); /* a minute at most: the wall clock may be set */
            if (read(sigfd, &ssi, sizeof ssi) != (ssize_t)sizeof ssi) continue;
        }
        int lock = detach_lock();
        int cancelled = now < d->start_at_ms || read(sigfd, &ssi, sizeof ssi) == (ssize_t)sizeof ssi;
        if (!cancelled) {
            (void)record("starting", d, 1);
            if (lock >= 0) close(lock);
            close(sigfd);
            return;
        }
        detach_remove_cgroups(cfg);
        (void)record("cancelled", d, 1);
        if (lock >= 0) close(lock);
        _exit(0);
    }
}
