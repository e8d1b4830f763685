/*
 * The child: PID 1 of the job's new namespaces until it execs the job command.
 *
 * Contract: child_main never returns. Every failure goes through die_stage(), which writes
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

_Noreturn void die_stage(int errfd, int stage, int err, int detail) {
    uint32_t msg[3] = {(uint32_t)stage, (uint32_t)err, (uint32_t)detail}; /* little-endian host */
    ssize_t ignored = write(errfd, msg, sizeof msg);
    (void)ignored;
    _exit(127);
}

/* Runs one step: fails the stage with errno when the step fails or a test build injects a fault. */
#define STEP(stage, detail, expr)                                                          \
    do {                                                                                   \
        int fault_ = fault_at(cfg, (stage));                                               \
        if (fault_ != 0) die_stage(errfd, (stage), fault_, (detail));                      \
        if ((expr) < 0) die_stage(errfd, (stage), errno, (detail));                        \
    } while (0)

static char root_path[PATH_MAX];
static size_t staging_len; /* strlen(cfg->staging): the part of root_path that exists already */

/* The host-side path of a target inside the new root. */
static const char *in_root(const struct config *cfg, const char *target) {
    int n = snprintf(root_path, sizeof root_path, "%s%s", cfg->staging, target);
    staging_len = strlen(cfg->staging);
    if (n < 0 || (size_t)n >= sizeof root_path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return root_path;
}

/* mkdir -p, for paths inside the root tmpfs (created by us, so modes are ours to choose). */
static int mkdirs(char *path, mode_t mode) {
    char *p = path + 1;
    /* Inside the new root, the staging directory and its parents exist: start below it. */
    if (path == root_path && staging_len > 1 && strlen(path) > staging_len) p = path + staging_len + 1;
    for (; *p != '\0'; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int r = mkdir(path, 0755);
        *p = '/';
        if (r < 0 && errno != EEXIST) return -1;
    }
    if (mkdir(path, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

/* The directory make_parent made last (binds into one directory, such as /etc's, come one after another). */
static char last_parent[PATH_MAX];

static int make_parent(char *path) {
    char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) return 0;
    *slash = '\0';
    int r = 0;
    if (strcmp(path, last_parent) != 0) {
        r = mkdirs(path, 0755);
        if (r == 0 && strlen(path) < sizeof last_parent) strcpy(last_parent, path);
    }
    *slash = '/';
    return r;
}

/* Creates the mount point for a bind of src: a directory, or an empty file for anything else. */
static int make_mount_point(char *dst, const struct stat *src) {
    if (make_parent(dst) < 0) return -1;
    if (S_ISDIR(src->st_mode)) return mkdirs(dst, 0755);
    if (mknod(dst, S_IFREG | 0644, 0) == 0) return 0;
    if (errno != EEXIST) return -1;
    /* Something is there already: a file is fine, a link is not (the mount would follow it). */
    struct stat st;
    if (lstat(dst, &st) < 0) return -1;
    if (S_ISLNK(st.st_mode)) {
        errno = ELOOP;
        return -1;
    }
    return 0;
}

/*
 * A directory of the host that several read-only binds are taken from (the host's /etc, a runtime's tree) is
 * first bound onto itself, read-only, nosuid and nodev, in the child's private view of the host: every bind
 * taken from under it copies those flags, so remount_bind finds nothing to change and each bind costs one
 * mount instead of two. The template goes away with the old root. Best effort: where it could not be made,
 * each bind is remounted as before.
 */
static void ro_templates(const struct config *cfg) {
    for (uint32_t i = 0; i < cfg->nmounts; i++) {
        const struct mount_op *m = &cfg->mounts[i];
        if (m->kind != MNT_BIND || !(m->flags & MF_READONLY) || m->source[0] != '/') continue;
        const char *slash = strrchr(m->source, '/');
        size_t len = (size_t)(slash - m->source);
        if (len == 0 || len >= PATH_MAX) continue; /* the host's own root: not worth a recursive bind */
        int count = 0, seen = 0;
        for (uint32_t j = 0; j < cfg->nmounts; j++) {
            const struct mount_op *o = &cfg->mounts[j];
            if (o->kind != MNT_BIND || !(o->flags & MF_READONLY) || strncmp(o->source, m->source, len) != 0 ||
                o->source[len] != '/' || strchr(o->source + len + 1, '/') != NULL)
                continue;
            if (j < i) seen = 1;
            count++;
        }
        if (seen || count < 4) continue;
        char dir[PATH_MAX];
        memcpy(dir, m->source, len);
        dir[len] = '\0';
        /* Never over the staging directory or one of its parents: the root being built would be covered. */
        size_t sl = strlen(cfg->staging);
        if (strncmp(cfg->staging, dir, len) == 0 && (sl == len || cfg->staging[len] == '/')) continue;
        struct stat st;
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
        if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0) continue;
        (void)remount_ro(dir, MS_NOSUID | MS_NODEV);
    }
}

static int do_bind(const struct mount_op *m, char *dst) {
    struct stat st;
    if (lstat(m->source, &st) < 0) {
        if (errno == ENOENT && (m->flags & MF_OPTIONAL)) return 0;
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        char link[PATH_MAX];
        ssize_t n = readlink(m->source, link, sizeof link - 1);
        if (n < 0) return -1;
        link[n] = '\0';
        if (make_parent(dst) < 0) return -1;
        return symlink(link, dst) < 0 && errno != EEXIST ? -1 : 0;
    }
    if (make_mount_point(dst, &st) < 0) return -1;
    if (S_ISDIR(st.st_mode)) last_parent[0] = '\0'; /* a directory mount may cover the one made last */
    unsigned long rec = (m->flags & MF_RECURSIVE) ? MS_REC : 0;
    if (mount(m->source, dst, NULL, MS_BIND | rec, NULL) < 0) return -1;
    if (m->flags & MF_READONLY) return remount_ro(dst, MS_NOSUID | MS_NODEV);
    return remount_bind(dst, MS_NOSUID | MS_NODEV);
}

/* The harmless host devices a job gets, with their numbers (fixed by the kernel's ABI, devices.txt). */
static const struct {
    const char *name;
    unsigned major, minor;
} dev_nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

/* A minimal /dev: a tmpfs holding the harmless nodes (made with mknod where we may; otherwise, in a user
 * namespace, binds of the host's), a private devpts and a shm tmpfs. */
static int do_dev(char *dst) {
    if (mkdirs(dst, 0755) < 0) return -1;
    if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64") < 0) return -1;
    size_t base = strlen(dst);
    if (base + 32 >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    mode_t old_umask = umask(0);
    int bind = 0;
    for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++) {
        snprintf(dst + base, PATH_MAX - base, "/%s", dev_nodes[i].name);
        if (!bind) {
            if (mknod(dst, S_IFCHR | 0666, makedev(dev_nodes[i].major, dev_nodes[i].minor)) == 0) continue;
            if (errno != EPERM) {
                umask(old_umask);
                return -1;
            }
            bind = 1; /* no CAP_MKNOD here: bind the host's nodes, as mknod will not work for the others either */
        }
        char src[32];
        snprintf(src, sizeof src, "/dev/%s", dev_nodes[i].name);
        if (mknod(dst, S_IFREG | 0666, 0) < 0 || mount(src, dst, NULL, MS_BIND, NULL) < 0) {
            umask(old_umask);
            return -1;
        }
    }
    umask(old_umask);
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},   {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                           {"pts/ptmx", "ptmx"}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(dst + base, PATH_MAX - base, "/%s", links[i][1]);
        if (symlink(links[i][0], dst) < 0) return -1;
    }
    snprintf(dst + base, PATH_MAX - base, "/pts");
    if (mkdir(dst, 0755) < 0) return -1;
    if (mount("devpts", dst, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0) return -1;
    snprintf(dst + base, PATH_MAX - base, "/shm");
    if (mkdir(dst, 01777) < 0) return -1;
    if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") < 0) return -1;
    dst[base] = '\0';
    return remount_ro(dst, MS_NOSUID | MS_NOEXEC);
}

static int do_mount(const struct mount_op *m, char *dst) {
    if (m->kind != MNT_BIND) last_parent[0] = '\0';
    switch (m->kind) {
    case MNT_BIND:
        return do_bind(m, dst);
    case MNT_TMPFS:
        if (mkdirs(dst, 0755) < 0) return -1;
        return mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | ((m->flags & MF_READONLY) ? MS_RDONLY : 0),
                     m->data);
    case MNT_PROC:
        if (mkdirs(dst, 0555) < 0) return -1;
        return mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case MNT_DEV:
        return do_dev(dst);
    case MNT_DIR:
        return mkdirs(dst, 0755);
    case MNT_SYMLINK:
        if (make_parent(dst) < 0) return -1;
        return symlink(m->source, dst);
    default:
        errno = EINVAL;
        return -1;
    }
}

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

static int join_cgroups(const struct config *cfg, int errfd, const int *cgroup_fds) {
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

static int read_full(int fd, uint8_t *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r == 0 && got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

/* CFG_DEFER_EXEC: the root is built; tell the supervisor and wait for the command (see helper.h). */
static void await_command(struct config *cfg, int errfd) {
    uint8_t ready[12] = {0};
    if (write(errfd, ready, sizeof ready) != (ssize_t)sizeof ready) _exit(127);
    uint8_t hdr[8];
    int r = read_full(CTL_FD, hdr, sizeof hdr);
    if (r == 0) _exit(0); /* discarded before use */
    if (r < 0) die_stage(errfd, ST_CONFIG, errno ? errno : EBADMSG, 0);
    uint32_t magic = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    uint32_t len = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 | (uint32_t)hdr[7] << 24;
    if (magic != EXEC_MAGIC || len > CONFIG_MAX_BYTES) die_stage(errfd, ST_CONFIG, EBADMSG, 0);
    uint8_t *body = malloc((size_t)len + 1);
    if (body == NULL) die_stage(errfd, ST_CONFIG, ENOMEM, 0);
    if (len > 0 && read_full(CTL_FD, body, len) != 1) die_stage(errfd, ST_CONFIG, EBADMSG, 0);
    int err = exec_parse(body, len, cfg);
    if (err != 0) die_stage(errfd, ST_CONFIG, err, 0);
}

_Noreturn void child_main(const struct config *cfg, int errfd, const int *cgroup_fds) {
    /* If the supervisor dies, so does the job. It may have died before the line below took effect: the
     * supervisor alone holds the read end of errfd, so POLLERR on our write end means it is gone. */
    STEP(ST_SIGNALS, 0, prctl(PR_SET_PDEATHSIG, SIGKILL));
    struct pollfd alive = {.fd = errfd, .events = POLLOUT};
    if (poll(&alive, 1, 0) == 1 && (alive.revents & POLLERR)) _exit(127);
    /* In a new user namespace the maps are written now: become the job's ids inside it, which the maps
     * give to the host's unprivileged id (the capabilities of the namespace's creator are kept). */
    if (cfg->secflags & SEC_USERNS) {
        if (cfg->gid != ID_KEEP) STEP(ST_USERNS, 2, setresgid(cfg->gid, cfg->gid, cfg->gid));
        if (cfg->uid != ID_KEEP) STEP(ST_USERNS, 3, setresuid(cfg->uid, cfg->uid, cfg->uid));
    }
    join_cgroups(cfg, errfd, cgroup_fds);
    if (cfg->flags & CFG_NEWCGROUP) STEP(ST_CGROUP_NS, 0, unshare(CLONE_NEWCGROUP));
    if (cfg->netns[0] != '\0') STEP(ST_NETNS, 0, join_netns(cfg->netns));
    if (cfg->flags & CFG_TTY) {
        STEP(ST_TTY, 0, setsid());
        STEP(ST_TTY, 1, ioctl(0, TIOCSCTTY, 0));
    }

    STEP(ST_MOUNT_PRIVATE, 0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    STEP(ST_ROOT, 0, mount("tmpfs", cfg->staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m"));
    ro_templates(cfg);
    for (uint32_t i = 0; i < cfg->nmounts; i++) {
        const char *dst = in_root(cfg, cfg->mounts[i].target);
        STEP(ST_MOUNT, (int)i, dst == NULL ? -1 : do_mount(&cfg->mounts[i], (char *)dst));
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
        STEP(ST_SIGNALS, 1, restore_priority());
        /* Still privileged here, so a filter may go in with or without no_new_privs. */
        if (cfg->flags & CFG_EARLY_SECCOMP) {
            STEP(ST_SECCOMP, 0, install_seccomp(cfg));
            filtered = 1;
        }
        prepared = 1;
        await_command((struct config *)cfg, errfd);
        if (strcmp(cfg->hostname, preset) != 0 && cfg->hostname[0] != '\0')
            STEP(ST_HOSTNAME, 0, sethostname(cfg->hostname, strlen(cfg->hostname)));
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
    /* Only stdio survives exec; errfd is close-on-exec like everything else. */
    STEP(ST_FDS, 0, syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC));
    if (nnp && !filtered) STEP(ST_SECCOMP, 0, install_seccomp(cfg));
    STEP(ST_EXEC, 0, 0);
    exec_command(cfg->argv, cfg->envp);
    die_stage(errfd, ST_EXEC, errno, 0);
}
