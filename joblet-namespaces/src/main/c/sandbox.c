/*
 * The child: PID 1 of the job's new namespaces until it execs the job command.
 *
 * Contract: child_main never returns. Every failure goes through die() (wire.c), which writes MSG_ERROR
 * {stage, errno, detail} to errfd (close-on-exec) and exits; EOF on errfd means execve succeeded.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Runs one step: dies at the stage with errno when the step fails or a test build injects a fault. */
#define STEP(stage, detail, expr)                                        \
    do {                                                                 \
        FAULT_POINT(cfg, (stage), (detail));                             \
        if ((expr) < 0) die_errno((stage), (detail), "%s", #expr);       \
    } while (0)

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return r;
}

/* Enters the network namespace the JVM prepared (veth, addresses, routes already set up). */
static int join_netns(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

static int join_cgroups(const struct config *cfg, const int *cgroup_fds) {
    for (uint32_t i = 0; i < cfg->ncgroups; i++) {
        STEP(ST_CGROUP_JOIN, (int)i, write(cgroup_fds[i], "0", 1));
        close(cgroup_fds[i]);
    }
    return 0;
}

static const char *env_path(char *const *envp) {
    for (; *envp != NULL; envp++) {
        if (strncmp(*envp, "PATH=", 5) == 0) return *envp + 5;
    }
    return "/usr/local/bin:/usr/bin:/bin";
}

/* execvpe with the job's own PATH, resolved inside the new root. Returns only on failure. */
static void exec_command(char *const *argv, char *const *envp) {
    const char *cmd = argv[0];
    if (strchr(cmd, '/') != NULL) {
        execve(cmd, argv, envp);
        return;
    }
    const char *path = env_path(envp);
    int seen_eacces = 0;
    char full[PATH_MAX];
    while (*path != '\0') {
        const char *end = strchrnul(path, ':');
        size_t dirlen = (size_t)(end - path);
        if (dirlen + strlen(cmd) + 2 <= sizeof full) {
            memcpy(full, path, dirlen);
            full[dirlen] = '/';
            strcpy(full + dirlen + 1, cmd);
            execve(full, argv, envp);
            if (errno == EACCES) seen_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR) return;
        }
        path = *end == ':' ? end + 1 : end;
    }
    errno = seen_eacces ? EACCES : ENOENT;
}

/* CFG_DEFER_EXEC: the root is built; tell the supervisor and wait for MSG_EXEC (see helper.h). */
static void await_command(struct config *cfg, int errfd) {
    if (send_msg(errfd, MSG_ROOT_BUILT, 0, 0, 0) < 0) _exit(127); /* the supervisor is gone */
    uint8_t hdr[HEADER_SIZE];
    ssize_t r = read_exact(CTL_FD, hdr, sizeof hdr);
    if (r == 0) _exit(0); /* EOF: discarded before use */
    if (r < 0) die_errno(ST_CONFIG, 0, "read the exec message header");
    uint32_t kind, len;
    int detail;
    int err = header_parse(hdr, &kind, &len, &detail);
    if (err != 0) die(ST_CONFIG, err, detail, "parse the exec message header");
    if (kind == MSG_DISCARD) _exit(0);
    if (kind != MSG_EXEC) die(ST_CONFIG, EBADMSG, 0, "message kind %#x where MSG_EXEC belongs", kind);
    uint8_t *body = malloc((size_t)len + 1);
    if (body == NULL) die(ST_CONFIG, ENOMEM, 0, "malloc %u", len + 1);
    if (len > 0 && read_exact(CTL_FD, body, len) != (ssize_t)len) die(ST_CONFIG, EBADMSG, 0, "read the exec message");
    err = exec_parse(body, len, cfg);
    if (err != 0) die(ST_CONFIG, err, 0, "parse the exec message");
}

/*
 * If the supervisor dies, so does the job: SIGKILL at its death (sent from the parent PID namespace, so PID 1
 * cannot ignore it; its namespace goes with it). The kernel clears the parent-death signal at every change of
 * the effective ids (and at a set-uid exec), so this is armed again after each one, the last time after the final
 * capset. The supervisor may have died before a call took effect: it alone holds the read end of errfd until the
 * exec, so POLLERR on our write end means it is gone (getppid() says nothing here: it is 0 for a PID 1).
 */
static void die_with_supervisor(const struct config *cfg, int errfd) {
    STEP(ST_SIGNALS, 0, prctl(PR_SET_PDEATHSIG, SIGKILL));
    struct pollfd alive = {.fd = errfd, .events = POLLOUT};
    if (poll(&alive, 1, 0) == 1 && (alive.revents & POLLERR)) _exit(127);
}

_Noreturn void child_main(const struct config *cfg, int errfd, const int *cgroup_fds) {
    die_on(errfd, 127);
    sigset_t none; /* a scheduled detached job's supervisor blocks the stop signals before the clone (schedule.c) */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    die_with_supervisor(cfg, errfd);
    /* A session and process group of its own (the supervisor has its own too, see main): kill(0, ...), a
     * negative pgid, terminal job control and the SIGHUP of a session's end reach only the job's processes, and no
     * terminal of the JVM's session is its controlling terminal (/dev/tty: ENXIO unless it is a tty job). */
    STEP(ST_SESSION, 1, setsid());
    /* In a new user namespace the maps are written now: become the job's ids inside it, which the maps
     * give to the host's unprivileged id (the capabilities of the namespace's creator are kept). */
    if (cfg->secflags & SEC_USERNS) {
        if (cfg->gid != ID_KEEP) STEP(ST_USERNS, 2, setresgid(cfg->gid, cfg->gid, cfg->gid));
        if (cfg->uid != ID_KEEP) STEP(ST_USERNS, 3, setresuid(cfg->uid, cfg->uid, cfg->uid));
        die_with_supervisor(cfg, errfd); /* a prepared child may wait long for its command */
    }
    join_cgroups(cfg, cgroup_fds);
    if (cfg->flags & CFG_NEWCGROUP) STEP(ST_CGROUP_NAMESPACE, 0, unshare(CLONE_NEWCGROUP));
    if (cfg->netns[0] != '\0') STEP(ST_NETNS, 0, join_netns(cfg->netns));

    STEP(ST_MOUNT_PRIVATE, 0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    STEP(ST_ROOT, 0, mount("tmpfs", cfg->staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m"));
    ro_templates(cfg);
    for (uint32_t i = 0; i < cfg->nmounts; i++) {
        const char *dst = in_root(cfg, cfg->mounts[i].target);
        const struct mount_op *m = &cfg->mounts[i];
        STEP(ST_MOUNT, (int)i, dst == NULL ? -1 : m->kind == MNT_NAMED_FILE ? write_job_file(cfg, m, (char *)dst)
                                                                             : do_mount(m, (char *)dst));
    }
    if (cfg->secflags & SEC_MASK_PROC) {
        for (uint32_t i = 0; i < cfg->nmounts; i++) {
            if (cfg->mounts[i].kind != MNT_PROC) continue;
            const char *dst = in_root(cfg, cfg->mounts[i].target);
            STEP(ST_MASK_PROC, (int)i, dst == NULL ? -1 : mask_proc((char *)dst));
        }
    }
    if (cfg->flags & CFG_ROOT_READONLY) STEP(ST_ROOT_READONLY, 0, remount_ro(cfg->staging, MS_NOSUID | MS_NODEV));

    /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached at once. */
    STEP(ST_PIVOT_ROOT, 0, chdir(cfg->staging));
    STEP(ST_PIVOT_ROOT, 0, syscall(SYS_pivot_root, ".", "."));
    STEP(ST_PIVOT_ROOT, 0, umount2(".", MNT_DETACH));
    STEP(ST_PIVOT_ROOT, 0, chdir("/"));
    /* The terminal comes from the job's own devpts, so it is made now, before anything below may filter calls. */
    if (cfg->flags & CFG_TTY) make_console(cfg);

    int loopback = (cfg->flags & CFG_NEWNET) || cfg->netns[0] != '\0';
    int nnp = (cfg->flags & CFG_NO_NEW_PRIVS) != 0;
    uint32_t rl_index = 0;
    /* Set once the steps below that do not depend on the command are done (a prepared child, before it waits). */
    int prepared = 0, filtered = 0;
    if (cfg->flags & CFG_DEFER_EXEC) {
        /* lo, the hostname the JVM prepared the child for, the limits and the privilege drop that does not
         * depend on the command happen before the wait: the start only sends the command. */
        if (loopback) STEP(ST_LOOPBACK, 0, loopback_up());
        loopback = 0;
        const char *preset = cfg->hostname;
        if (preset[0] != '\0') STEP(ST_HOSTNAME, 0, sethostname(preset, strlen(preset)));
        STEP(ST_RLIMITS, (int)rl_index, apply_rlimits(cfg, &rl_index));
        if (nnp) STEP(ST_NO_NEW_PRIVS, 0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        STEP(ST_CAPS, 0, drop_bounding_and_ambient(cfg->caps_keep));
        /* Prepared at the lowest priority: back to the JVM's before the filter, which may deny setpriority. */
        STEP(ST_PRIORITY, 1, restore_priority());
        /* Still privileged here, so a filter may go in with or without no_new_privs. */
        if (cfg->flags & CFG_EARLY_SECCOMP) {
            STEP(ST_SECCOMP, 0, install_seccomp(cfg));
            filtered = 1;
        }
        prepared = 1;
        await_command((struct config *)cfg, errfd);
        if (strcmp(cfg->hostname, preset) != 0 && cfg->hostname[0] != '\0') {
            STEP(ST_HOSTNAME, 0, sethostname(cfg->hostname, strlen(cfg->hostname)));
            STEP(ST_HOSTNAME, 1, rename_job_files(cfg)); /* its /etc/hosts and /etc/hostname (jobfiles.c) */
        }
    } else if (cfg->hostname[0] != '\0') {
        STEP(ST_HOSTNAME, 0, sethostname(cfg->hostname, strlen(cfg->hostname)));
    }
    if (loopback) STEP(ST_LOOPBACK, 0, loopback_up());
    STEP(ST_CHDIR, 0, chdir(cfg->workdir));
    if (cfg->cpumask_len > 0)
        STEP(ST_AFFINITY, 0, sched_setaffinity(0, cfg->cpumask_len, (const cpu_set_t *)(const void *)cfg->cpumask));
    /* The privilege drop, in the order that works: limits first (raising a hard limit needs CAP_SYS_RESOURCE),
     * no_new_privs, bounding set, ambient set, groups, gid, uid, then the remaining capability sets. */
    if (!prepared) {
        STEP(ST_RLIMITS, (int)rl_index, apply_rlimits(cfg, &rl_index));
        if (nnp) STEP(ST_NO_NEW_PRIVS, 0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        STEP(ST_CAPS, 0, drop_bounding_and_ambient(cfg->caps_keep));
    }
    /* Without no_new_privs only a privileged process may install a filter: do it while we still are. */
    if (!nnp && !filtered) STEP(ST_SECCOMP, 0, install_seccomp(cfg));
    STEP(ST_IDS, 0, set_ids(cfg));
    STEP(ST_CAPS, 1, set_caps(cfg->caps_keep));
    die_with_supervisor(cfg, errfd); /* the id change above cleared it */
    /* Only stdio survives exec; errfd is close-on-exec like everything else. */
    STEP(ST_FDS, 0, syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC));
    if (nnp && !filtered) STEP(ST_SECCOMP, 0, install_seccomp(cfg));
    /* The supervisor ignores SIGPIPE (its status writes); an ignored signal stays ignored across exec, and the job's
     * programs expect the default (`yes | head` must end yes by SIGPIPE, not by an EPIPE error message). */
    STEP(ST_SIGNALS, 4, signal(SIGPIPE, SIG_DFL) == SIG_ERR ? -1 : 0);
    become_init(cfg, errfd); /* CFG_INIT: returns as PID 2 (init.c) */
    STEP(ST_EXEC, 0, 0);
    exec_command(cfg->argv, cfg->envp);
    die_errno(ST_EXEC, 0, "execve %s", cfg->argv[0]);
}
