/*
 * Host paths and descriptors named by the JVM, and what the host keeps of a job whose JVM is gone.
 *
 * Binds: every source is resolved once, with openat2(RESOLVE_NO_SYMLINKS) (a link in any component fails with
 * ELOOP; a link as the last component is opened itself, O_PATH|O_NOFOLLOW, and recreated by the caller), and
 * bound from that descriptor with open_tree(OPEN_TREE_CLONE) + move_mount: nothing is looked up by path twice,
 * so a rename race on the host cannot change what is bound.
 *
 * Detached mounts (MNT_MOVE): the JVM makes the workspace's tmpfs with fsopen/fsmount, mounted nowhere, and
 * fills it through its descriptor. The supervisor copies that descriptor out of the JVM with pidfd_getfd (the
 * same call whether the supervisor was spawned for this job or waited in the warm pool before the job existed),
 * and the child moves the mount into the job's root. No mount of the job is ever in the host's namespace: when
 * the JVM and the job are gone, so is the tmpfs.
 *
 * Orphans: when the JVM dies, the supervisor kills the job (lifeline EOF) and then removes the job's cgroups
 * itself, leaving them first if it sits in them (a warm supervisor), instead of leaving them to a later JVM.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

int open_source(const char *path) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd;
    do fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how); while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return (int)fd;
}

static int move_to(int tree, const char *dst) {
    int r = (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH);
    int saved = errno;
    close(tree);
    errno = saved;
    return r;
}

int bind_from_fd(int fd, const char *dst, int recursive) {
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
    if (tree < 0) return -1;
    return move_to(tree, dst);
}

/* The JVM, as a pidfd opened while it is certainly our parent; -1 when it could not be. */
static int parent_pidfd = -1;

int watch_jvm(void) {
    if (parent_pidfd >= 0) return parent_pidfd;
    pid_t parent = getppid();
    int fd = (int)syscall(SYS_pidfd_open, parent, 0);
    if (fd < 0) return -1;
    if (getppid() != parent) { /* it died in between: the pidfd may name another process */
        close(fd);
        errno = ESRCH;
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    parent_pidfd = fd;
    return fd;
}

int fetch_jvm_fds(struct config *cfg, uint32_t *failed) {
    for (uint32_t i = 0; i < cfg->nmounts; i++) {
        struct mount_op *m = &cfg->mounts[i];
        if (m->kind != MNT_MOVE) continue;
        *failed = i;
        char *end = NULL;
        errno = 0;
        long n = strtol(m->source, &end, 10);
        if (errno != 0 || end == m->source || *end != '\0' || n < 0 || n > INT_MAX) return EBADMSG;
        int jvm = watch_jvm();
        if (jvm < 0) return errno;
        int fd = (int)syscall(SYS_pidfd_getfd, jvm, (int)n, 0); /* close-on-exec, as the kernel makes it */
        if (fd < 0) return errno;
        m->fd = fd;
    }
    return 0;
}

void close_fetched_fds(struct config *cfg) {
    for (uint32_t i = 0; i < cfg->nmounts; i++) {
        if (cfg->mounts[i].kind == MNT_MOVE && cfg->mounts[i].fd >= 0) {
            close(cfg->mounts[i].fd);
            cfg->mounts[i].fd = -1;
        }
    }
}

/* mkdir -p of a mount point inside the root being built (its parents are ours). */
static int mount_dir(char *dst) {
    for (char *p = dst + 1; *p != '\0'; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int r = mkdir(dst, 0755);
        *p = '/';
        if (r < 0 && errno != EEXIST) return -1;
    }
    return mkdir(dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int move_fd_mount(const struct mount_op *m, char *dst) {
    if (m->fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (mount_dir(dst) < 0) return -1;
    struct stat st;
    if (lstat(dst, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    /* The JVM's mount is moved, not copied: the JVM reads what the job left through its own descriptor. */
    return (int)syscall(SYS_move_mount, m->fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH);
}

/* ---- orphans ---- */

#define WARM_CGROUPS_MAX 16
static char *warm_cgroups[WARM_CGROUPS_MAX];
static int nwarm;

void remember_warm_cgroup(const char *procs_file) {
    (void)watch_jvm(); /* while the JVM is certainly the parent */
    if (nwarm == WARM_CGROUPS_MAX) return;
    warm_cgroups[nwarm] = strdup(procs_file);
    if (warm_cgroups[nwarm] != NULL) nwarm++;
}

int jvm_gone(void) {
    struct pollfd ctl = {.fd = CTL_FD, .events = POLLIN};
    if (poll(&ctl, 1, 0) != 1 || !(ctl.revents & POLLHUP)) return 0; /* the JVM still holds the control pipe */
    int jvm = watch_jvm();
    if (jvm < 0) return 1; /* reparented: the JVM is gone */
    /* Only the JVM's exit counts: a JVM that discards a helper on purpose writes a header first (Protocol.DISCARD),
     * and the rare error paths that just close the pipe cost this wait. A dying JVM's fds are closed just before it
     * becomes a zombie (its memory is torn down before that), so a short wait tells the two apart. */
    struct pollfd p = {.fd = jvm, .events = POLLIN};
    int n;
    do n = poll(&p, 1, 200); while (n < 0 && errno == EINTR);
    return n == 1;
}

/* The directory of a cgroup file: "/sys/fs/cgroup/pids/a/joblet/jvm-1/job/tasks" -> ".../job". */
static int dir_of(const char *file, char *dir, size_t size) {
    const char *slash = strrchr(file, '/');
    if (slash == NULL || slash == file || (size_t)(slash - file) >= size) return -1;
    memcpy(dir, file, (size_t)(slash - file));
    dir[slash - file] = '\0';
    return 0;
}

/* rmdir, waiting out (at most a second) the while a v1 cgroup stays busy after its last task exited. */
static void remove_dir(const char *dir) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 100; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT) return;
        if (errno != EBUSY) return;
        nanosleep(&pause, NULL);
    }
}

/* A warm supervisor sits in the job's cgroup: it moves to the cgroup two levels up, <own>/joblet (see
 * CgroupDriver: <own>/joblet/jvm-<pid>-<start>-<ns>/<job>), which only Joblet's processes ever enter, and
 * which holds no controllers of its own on the v1 and hybrid hosts the warm pool runs on. */
static void leave(const char *dir) {
    char up[PATH_MAX], procs[PATH_MAX + 16];
    if (dir_of(dir, up, sizeof up) < 0 || dir_of(up, up, sizeof up) < 0) return;
    snprintf(procs, sizeof procs, "%s/cgroup.procs", up);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t ignored = write(fd, "0", 1);
    (void)ignored;
    close(fd);
}

static void remove_job_dir(const char *dir, int inside) {
    char owner[PATH_MAX];
    if (inside) leave(dir);
    remove_dir(dir);
    /* The JVM's owner directory goes with its last job (every supervisor tries; the last one succeeds). */
    if (dir_of(dir, owner, sizeof owner) == 0) (void)rmdir(owner);
}

void remove_orphaned_cgroups(const struct config *cfg) {
    char dir[PATH_MAX];
    for (int i = 0; i < nwarm; i++) {
        if (dir_of(warm_cgroups[i], dir, sizeof dir) == 0) remove_job_dir(dir, 1);
    }
    if (cfg == NULL) return;
    for (uint32_t i = 0; i < cfg->ncgroups; i++) {
        if (dir_of(cfg->cgroup_procs[i], dir, sizeof dir) == 0) remove_job_dir(dir, 0);
    }
    if (cfg->cgroup2_dir[0] != '\0') remove_job_dir(cfg->cgroup2_dir, 0);
}
