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

static int xwrite_all(int fd, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads exactly n bytes; a short read is an error (EBADMSG), EOF at the start returns 0. */
static ssize_t xread_exact(int fd, void *buf, size_t n) {
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) {
            if (got == 0) return 0;
            errno = EBADMSG;
            return -1;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void send_status(uint32_t type, int32_t a, int32_t b, int32_t c) {
    uint8_t msg[16];
    put_u32(msg, type);
    put_u32(msg + 4, (uint32_t)a);
    put_u32(msg + 8, (uint32_t)b);
    put_u32(msg + 12, (uint32_t)c);
    (void)xwrite_all(STATUS_FD, msg, sizeof msg); /* the JVM may be gone: nothing else to do */
}

_Noreturn static void fail(int stage, int err, int detail) {
    send_status(MSG_ERROR, stage, err, detail);
    _exit(1);
}

/* Test builds: fail the stage here when the config asks for it (see fault_at). */
#define FAULT_POINT(cfg, stage, detail)                      \
    do {                                                     \
        int fault_ = fault_at((cfg), (stage));               \
        if (fault_ != 0) fail((stage), fault_, (detail));    \
    } while (0)

#define FAULT_AT_USERNS(cfg) fault_at((cfg), ST_USERNS)

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t n = strlen(text);
    int err = xwrite_all(fd, text, n) < 0 ? errno : 0;
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

static int is_fifo(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

static void read_header(uint8_t hdr[12]) {
    /* xread_exact returns 0 on EOF without setting errno: a message cut short is EBADMSG, never a stale errno. */
    ssize_t r = xread_exact(CTL_FD, hdr, 12);
    if (r == 0 && jvm_gone()) remove_orphaned_cgroups(NULL); /* a warm supervisor whose JVM died */
    if (r != 12) fail(ST_CONFIG, r < 0 ? errno : EBADMSG, 0);
    uint32_t magic, len;
    int detail;
    int err = header_parse(hdr, &magic, &len, &detail);
    if (err != 0) fail(ST_CONFIG, err, detail);
}

static uint8_t *read_body(uint32_t len) {
    uint8_t *body = malloc(len + 1);
    if (body == NULL) fail(ST_CONFIG, ENOMEM, 0);
    ssize_t r = len > 0 ? xread_exact(CTL_FD, body, len) : 0;
    if (r != (ssize_t)len) fail(ST_CONFIG, r < 0 ? errno : EBADMSG, 0);
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
    if (err != 0) fail(ST_CONFIG, err, 0);
    for (uint32_t i = 0; i < w.ncgroups; i++) {
        int fd = open(w.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail(ST_CGROUP_OPEN, errno, (int)i);
        if (write(fd, "0", 1) != 1) fail(ST_CGROUP_JOIN, errno, (int)i);
        close(fd);
        remember_warm_cgroup(w.cgroup_procs[i]);
    }
    uint32_t flags = w.flags;
    free(w.cgroup_procs);
    if (flags & WARM_NEWNET) {
        if (unshare(CLONE_NEWNET) < 0) fail(ST_CLONE, errno, 1);
        warm_netns = 1;
    }
    free(body);
    send_status(MSG_READY, 0, 0, 0);
}

static void read_config(struct config *cfg) {
    uint8_t hdr[12];
    read_header(hdr);
    if (get_u32(hdr) == WARM_MAGIC) {
        warm_up(get_u32(hdr + 8));
        read_header(hdr);
        if (get_u32(hdr) != PROTO_MAGIC) fail(ST_CONFIG, EBADMSG, 0);
    }
    uint32_t len = get_u32(hdr + 8);
    uint8_t *body = read_body(len);
    int err = config_parse(body, len, cfg);
    if (err != 0) fail(ST_CONFIG, err, 0);
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
                send_status(MSG_EXIT, 0, 0, errno);
                exit_supervisor(cfg, 1);
            }
            init_exit_status(&si); /* CFG_INIT: the command's end, not init's */
            send_status(MSG_EXIT, si.si_code, si.si_status, 0);
            exit_supervisor(cfg, 0);
        }
        if (fds[0].fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            uint8_t cmd[8];
            ssize_t r = xread_exact(CTL_FD, cmd, sizeof cmd);
            if (r <= 0) {
                /* Lifeline: the JVM closed the control pipe or died. Nothing of the job may outlive it. */
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                fds[0].fd = -1;
            } else {
                uint32_t type;
                int32_t arg;
                if (command_parse(cmd, &type, &arg) == 0 && type == CMD_SIGNAL)
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
    if (setsid() < 0) fail(ST_SIGNALS, errno, 3);
    (void)watch_jvm(); /* now, while the JVM is certainly the parent */

    struct config cfg;
    read_config(&cfg);
    uint32_t failed_fd = 0;
    int fetch_err = fetch_jvm_fds(&cfg, &failed_fd);
    if (fetch_err != 0) fail(ST_MOUNT, fetch_err, (int)failed_fd);
    /* A job's config (not a root to build ahead): the warm helper is in use from here on. */
    if (!(cfg.flags & CFG_DEFER_EXEC) && restore_priority() != 0) fail(ST_SIGNALS, errno, 1);

    int *cgroup_fds = calloc((size_t)cfg.ncgroups + 1, sizeof(int));
    if (cgroup_fds == NULL) fail(ST_CGROUP_OPEN, ENOMEM, 0);
    for (uint32_t i = 0; i < cfg.ncgroups; i++) {
        FAULT_POINT(&cfg, ST_CGROUP_OPEN, (int)i);
        cgroup_fds[i] = open(cfg.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (cgroup_fds[i] < 0) fail(ST_CGROUP_OPEN, errno, (int)i);
    }
    int cgroup2_fd = -1;
    if (cfg.cgroup2_dir[0] != '\0') {
        FAULT_POINT(&cfg, ST_CGROUP_OPEN, (int)cfg.ncgroups);
        cgroup2_fd = open(cfg.cgroup2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup2_fd < 0) fail(ST_CGROUP_OPEN, errno, (int)cfg.ncgroups);
    }

    /* Inherited by the job, and fixed for it from then on (see security.c). */
    if (lock_loginuid(&cfg) < 0) fail(ST_IDS, errno, 1);

    int errpipe[2];
    FAULT_POINT(&cfg, ST_PIPE, 0);
    if (pipe2(errpipe, O_CLOEXEC) < 0) fail(ST_PIPE, errno, 0);
    if (init_prepare(&cfg) < 0) fail(ST_PIPE, errno, 2);

    /* User namespace: the child waits on this pipe until its id maps are written. */
    int userns = (cfg.secflags & SEC_USERNS) != 0;
    int syncpipe[2] = {-1, -1};
    if (userns && pipe2(syncpipe, O_CLOEXEC) < 0) fail(ST_PIPE, errno, 1);

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
    if (pid < 0) fail(ST_CLONE, errno, 0);
    if (pid == 0) {
        close(errpipe[0]);
        if (userns) {
            close(syncpipe[1]);
            char go = 0;
            ssize_t n;
            do n = read(syncpipe[0], &go, 1); while (n < 0 && errno == EINTR);
            if (n != 1) _exit(127); /* the supervisor failed and reports it */
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
        int err = FAULT_AT_USERNS(&cfg);
        if (err == 0) err = write_id_maps(&cfg, (int)pid);
        if (err != 0) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            siginfo_t si;
            waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
            fail(ST_USERNS, err, 0);
        }
        if (write(syncpipe[1], "1", 1) != 1) fail(ST_USERNS, errno, 1);
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

    uint8_t report[12];
    ssize_t r;
    /* {0, 0, 0}: a CFG_DEFER_EXEC child has built the root and waits for its command (see helper.h). */
    while ((r = xread_exact(errpipe[0], report, sizeof report)) > 0 && get_u32(report) == 0) {
        if (restore_priority() != 0) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            siginfo_t si;
            waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
            fail(ST_SIGNALS, errno, 1);
        }
        send_status(MSG_READY, 0, 0, 0);
    }
    close(errpipe[0]);
    if (r != 0) {
        int stage = r > 0 ? (int)get_u32(report) : ST_PIPE;
        int err = r > 0 ? (int)get_u32(report + 4) : errno;
        int detail = r > 0 ? (int)get_u32(report + 8) : 0;
        siginfo_t si;
        waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
        fail(stage, err, detail);
    }
    send_status(MSG_STARTED, (int32_t)pid, 0, 0);
    supervise(pidfd, &cfg);
}
