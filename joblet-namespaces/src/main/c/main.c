/* The supervisor: reads the config, clones the job into its namespaces, relays its fate to the JVM. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t n = strlen(text);
    int err = write_exact(fd, text, n) < 0 ? errno : 0;
    close(fd);
    return err;
}

/* Writes the child's setgroups policy, uid_map and gid_map; returns 0 or an errno value. */
static int write_id_maps(const struct config *cfg, int pid) {
    char path[64];
    int err = 0;
    if (cfg->secflags & SEC_SETGROUPS_DENY) {
        snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
        err = write_file(path, "deny");
        if (err != 0) return err;
    }
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    err = write_file(path, cfg->uid_map);
    if (err != 0) return err;
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    return write_file(path, cfg->gid_map);
}

/* Kills the child after a failure of the supervisor's own, and reaps it. */
static void kill_child(int pidfd) {
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    siginfo_t si;
    waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
}

static int is_fifo(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* The header of the next message on the control pipe; MSG_DISCARD ends the helper here, quietly. */
static uint32_t read_header(uint8_t hdr[HEADER_SIZE]) {
    /* read_exact returns 0 on EOF without setting errno: a message cut short is EBADMSG, never a stale errno. */
    ssize_t r = read_exact(CTL_FD, hdr, HEADER_SIZE);
    if (r == 0 && jvm_gone()) remove_orphaned_cgroups(NULL); /* a warm supervisor whose JVM died */
    if (r != HEADER_SIZE) die(ST_CONFIG, r < 0 ? errno : EBADMSG, 0, "read a message header");
    uint32_t kind, len;
    int detail;
    int err = header_parse(hdr, &kind, &len, &detail);
    if (err != 0) die(ST_CONFIG, err, detail, "parse a message header");
    if (kind == MSG_DISCARD) _exit(0);
    return kind;
}

static uint8_t *read_body(uint32_t len) {
    uint8_t *body = malloc(len + 1);
    if (body == NULL) die(ST_CONFIG, ENOMEM, 0, "malloc %u", len + 1);
    ssize_t r = len > 0 ? read_exact(CTL_FD, body, len) : 0;
    if (r != (ssize_t)len) die(ST_CONFIG, r < 0 ? errno : EBADMSG, 0, "read a message body of %u bytes", len);
    return body;
}

/* A warm helper prepares (joins its cgroups, makes its network namespace, builds the job's root) at the lowest
 * priority, so that refilling the pool yields the CPU to running jobs; supervisor and child return to the
 * JVM's priority once prepared, while they are still privileged. */
static int lowered;
static int base_nice;

static void lower_priority(void) {
    errno = 0;
    int n = getpriority(PRIO_PROCESS, 0);
    if (errno != 0) return;
    if (setpriority(PRIO_PROCESS, 0, 19) == 0) {
        base_nice = n;
        lowered = 1;
    }
}

int restore_priority(void) {
    return lowered ? setpriority(PRIO_PROCESS, 0, base_nice) : 0;
}

/* Set when a warm message made the supervisor enter a new network namespace of its own. */
static int warm_netns;

/* A warm helper: join the cgroups named in the message and optionally a new network namespace, now,
 * while no job waits (a v1 cgroup.procs write may wait out an RCU grace period). */
static void warm_up(uint32_t len) {
    lower_priority();
    uint8_t *body = read_body(len);
    struct warm w;
    int err = warm_parse(body, len, &w);
    if (err != 0) die(ST_CONFIG, err, 0, "parse the warm message");
    for (uint32_t i = 0; i < w.ncgroups; i++) {
        int fd = open(w.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) die_errno(ST_CGROUP_OPEN, (int)i, "open %s", w.cgroup_procs[i]);
        if (write(fd, "0", 1) != 1) die_errno(ST_CGROUP_JOIN, (int)i, "write %s", w.cgroup_procs[i]);
        close(fd);
        remember_warm_cgroup(w.cgroup_procs[i]);
    }
    uint32_t flags = w.flags;
    free(w.cgroup_procs);
    if (flags & WARM_NEWNET) {
        if (unshare(CLONE_NEWNET) < 0) die_errno(ST_NEW_NETWORK, 0, "unshare(CLONE_NEWNET)");
        warm_netns = 1;
    }
    free(body);
    (void)send_msg(STATUS_FD, MSG_READY, 0, 0, 0);
}

/* MSG_DETACH, when the job is detached (detach.c). */
static struct detach detach;
static int detached;

static void read_config(struct config *cfg) {
    uint8_t hdr[HEADER_SIZE];
    uint32_t kind = read_header(hdr);
    if (kind == MSG_WARM) {
        warm_up(get_u32(hdr + 8));
        kind = read_header(hdr);
    }
    if (kind == MSG_DETACH) {
        uint32_t dlen = get_u32(hdr + 8);
        int derr = detach_parse(read_body(dlen), dlen, &detach);
        if (derr != 0) die(ST_CONFIG, derr, 0, "parse the detach message");
        detached = 1;
        kind = read_header(hdr);
    }
    if (kind != MSG_CONFIG) die(ST_CONFIG, EBADMSG, 0, "message kind %#x where the config belongs", kind);
    uint32_t len = get_u32(hdr + 8);
    uint8_t *body = read_body(len);
    int err = config_parse(body, len, cfg);
    if (err != 0) die(ST_CONFIG, err, 0, "parse the config");
}

static void reset_signals(void) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL); /* fails harmlessly for the C library's reserved signals */
    }
}

/* Waits for the job, obeys commands from the JVM, and kills the job when the JVM goes away. */
/* The job is dead: when the JVM is too, nobody else removes the job's cgroups now (hostfds.c). */
_Noreturn static void exit_supervisor(const struct config *cfg, int code) {
    if (jvm_gone()) remove_orphaned_cgroups(cfg);
    _exit(code);
}

_Noreturn static void supervise(int pidfd, const struct config *cfg) {
    struct pollfd fds[2] = {{.fd = CTL_FD, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    for (;;) {
        int n = poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            fds[0].fd = -1;
        }
        if (fds[1].revents & POLLIN) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
                if (errno == EINTR) continue;
                (void)send_msg(STATUS_FD, MSG_EXIT, 0, 0, errno);
                exit_supervisor(cfg, 1);
            }
            init_exit_status(&si); /* CFG_INIT: the command's end, not init's */
            (void)send_msg(STATUS_FD, MSG_EXIT, si.si_code, si.si_status, 0);
            exit_supervisor(cfg, 0);
        }
        if (fds[0].fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            uint8_t cmd[COMMAND_SIZE];
            ssize_t r = read_exact(CTL_FD, cmd, sizeof cmd);
            if (r <= 0) {
                /* Lifeline: the JVM closed the control pipe or died. Nothing of the job may outlive it. */
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                fds[0].fd = -1;
            } else {
                uint32_t kind;
                int32_t arg;
                if (command_parse(cmd, &kind, &arg) == 0 && kind == MSG_SIGNAL)
                    syscall(SYS_pidfd_send_signal, pidfd, (int)arg, NULL, 0);
            }
        }
    }
}

/* The job's namespaces, held open by the supervisor until it exits: the job's last exit then only drops a
 * reference, and their teardown (the mount namespace's waits out an RCU grace period, and frees queue work
 * on the job's CPU) happens when the supervisor exits, after it reported the exit status. Best effort: a
 * namespace that cannot be opened is simply torn down at the job's exit, as without this. */
static void hold_namespaces(int pid) {
    static const char *const names[] = {"mnt", "pid", "uts", "ipc", "net"};
    char path[64];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, names[i]);
        (void)open(path, O_RDONLY | O_CLOEXEC); /* kept: closed by the supervisor's exit */
    }
}

int main(int argc, char **argv) {
    if (argc != 2 || strcmp(argv[1], HELPER_ARGV_MAGIC) != 0 || !is_fifo(CTL_FD) || !is_fifo(STATUS_FD)) {
        fprintf(stderr, "joblet-helper: not for general use; it is started by the Joblet library\n");
        return 2;
    }
    /* Whatever the JVM leaked past its close-on-exec flags stops here. */
    syscall(SYS_close_range, 5U, ~0U, 0U);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    fcntl(CTL_FD, F_SETFD, FD_CLOEXEC);
    reset_signals();
    signal(SIGPIPE, SIG_IGN);
    /* Out of the JVM's session and process group: a terminal's Ctrl-C or hangup, or a kill(0, ...) by anyone in
     * that group, no longer reaches the supervisor (the JVM's death still does, through the lifeline), and the job
     * it clones starts in a session of its own below it (see child_main). */
    if (setsid() < 0) die_errno(ST_SESSION, 0, "setsid");
    (void)watch_jvm(); /* now, while the JVM is certainly the parent */

    struct config cfg;
    read_config(&cfg);
    uint32_t failed_fd = 0;
    FAULT_POINT(&cfg, ST_FETCH_FD, 0);
    int fetch_err = fetch_jvm_fds(&cfg, &failed_fd);
    if (fetch_err != 0) die(ST_FETCH_FD, fetch_err, (int)failed_fd, "pidfd_getfd for mount %u", failed_fd);
    /* A job's config (not a root to build ahead): the warm helper is in use from here on. */
    if (!(cfg.flags & CFG_DEFER_EXEC)) {
        FAULT_POINT(&cfg, ST_PRIORITY, 0);
        if (restore_priority() != 0) die_errno(ST_PRIORITY, 0, "setpriority");
    }

    int *cgroup_fds = calloc((size_t)cfg.ncgroups + 1, sizeof(int));
    if (cgroup_fds == NULL) die(ST_CGROUP_OPEN, ENOMEM, 0, "calloc %u descriptors", cfg.ncgroups + 1);
    for (uint32_t i = 0; i < cfg.ncgroups; i++) {
        FAULT_POINT(&cfg, ST_CGROUP_OPEN, (int)i);
        cgroup_fds[i] = open(cfg.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (cgroup_fds[i] < 0) die_errno(ST_CGROUP_OPEN, (int)i, "open %s", cfg.cgroup_procs[i]);
    }
    int cgroup2_fd = -1;
    if (cfg.cgroup2_dir[0] != '\0') {
        FAULT_POINT(&cfg, ST_CGROUP_OPEN, (int)cfg.ncgroups);
        cgroup2_fd = open(cfg.cgroup2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup2_fd < 0) die_errno(ST_CGROUP_OPEN, (int)cfg.ncgroups, "open %s", cfg.cgroup2_dir);
    }

    if (detached) detach_begin(&cfg, &detach); /* forks: from here on the supervisor is no JVM's child */

    /* Inherited by the job, and fixed for it from then on (see security.c). */
    FAULT_POINT(&cfg, ST_LOGINUID, 0);
    if (lock_loginuid(&cfg) < 0) die_errno(ST_LOGINUID, 0, "lock the loginuid");

    int errpipe[2];
    FAULT_POINT(&cfg, ST_PIPE, 0);
    if (pipe2(errpipe, O_CLOEXEC) < 0) die_errno(ST_PIPE, 0, "pipe2 for the child's errors");
    if (init_prepare(&cfg) < 0) die_errno(ST_PIPE, 2, "pipe2 for init");

    /* User namespace: the child waits on this pipe until its id maps are written. */
    int userns = (cfg.secflags & SEC_USERNS) != 0;
    int syncpipe[2] = {-1, -1};
    if (userns && pipe2(syncpipe, O_CLOEXEC) < 0) die_errno(ST_PIPE, 1, "pipe2 for the user namespace");

    int pidfd = -1;
    struct clone_args_v2 ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
    if ((cfg.flags & CFG_NEWNET) && cfg.netns[0] == '\0' && !warm_netns) ca.flags |= CLONE_NEWNET;
    if (userns) ca.flags |= CLONE_NEWUSER;
    if (cgroup2_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgroup2_fd;
    }
    ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
    ca.exit_signal = SIGCHLD;
    FAULT_POINT(&cfg, ST_CLONE, 0);
    long pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0) die_errno(ST_CLONE, 0, "clone3");
    if (pid == 0) {
        close(errpipe[0]);
        if (userns) {
            close(syncpipe[1]);
            uint8_t go[GO_SIZE];
            if (read_exact(syncpipe[0], go, sizeof go) != (ssize_t)sizeof go || get_u32(go) != MSG_MAPS_WRITTEN
                    || get_u32(go + 4) != PROTO_VERSION)
                _exit(127); /* the supervisor failed and reports it */
            close(syncpipe[0]);
        }
        child_main(&cfg, errpipe[1], cgroup_fds);
    }

    close(errpipe[1]);
    init_supervisor_side();
    close_fetched_fds(&cfg); /* the child has its copies */
    hold_namespaces((int)pid);
    if (userns) {
        close(syncpipe[0]);
        int err = fault_at(&cfg, ST_USERNS);
        if (err == 0) err = write_id_maps(&cfg, (int)pid);
        if (err != 0) {
            kill_child(pidfd);
            die(ST_USERNS, err, 0, "write the id maps of pid %ld", pid);
        }
        uint8_t go[GO_SIZE];
        put_u32(go, MSG_MAPS_WRITTEN);
        put_u32(go + 4, PROTO_VERSION);
        if (write_exact(syncpipe[1], go, sizeof go) < 0) die_errno(ST_USERNS, 1, "send MSG_MAPS_WRITTEN");
        close(syncpipe[1]);
    }
    for (uint32_t i = 0; i < cfg.ncgroups; i++) close(cgroup_fds[i]);
    if (cgroup2_fd >= 0) close(cgroup2_fd);
    /* The job's stdio belongs to the job alone: EOF on its pipes must mean the job is gone. */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; fd++) {
        if (devnull >= 0) dup2(devnull, fd); else close(fd);
    }
    if (devnull > 2) close(devnull);

    /* MSG_ROOT_BUILT: a CFG_DEFER_EXEC child has built the root and waits for MSG_EXEC (see helper.h); then EOF
     * (exec succeeded) or MSG_ERROR. */
    uint8_t report[MESSAGE_SIZE];
    ssize_t r;
    uint32_t kind = 0;
    int32_t abc[3] = {0, 0, 0};
    int bad = 0;
    while ((r = read_exact(errpipe[0], report, sizeof report)) > 0 && (bad = status_parse(report, &kind, abc)) == 0
            && kind == MSG_ROOT_BUILT) {
        if (restore_priority() != 0) {
            int err = errno;
            kill_child(pidfd);
            die(ST_PRIORITY, err, 0, "setpriority");
        }
        (void)send_msg(STATUS_FD, MSG_READY, 0, 0, 0);
    }
    close(errpipe[0]);
    if (r != 0) {
        int err = errno;
        siginfo_t si;
        waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
        if (r < 0) die(ST_PIPE, err, 0, "read the child's error pipe");
        if (bad != 0) die(ST_PIPE, bad, 0, "a message of kind %#x on the child's error pipe", kind);
        die(abc[0], abc[1], abc[2], "the child failed");
    }
    if (detached) detach_supervise(&cfg, pidfd, (int)pid);
    (void)send_msg(STATUS_FD, MSG_STARTED, (int32_t)pid, 0, 0);
    supervise(pidfd, &cfg);
}
