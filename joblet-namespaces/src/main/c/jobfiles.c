/*
 * Files that name the job (MNT_NAMED_FILE): its /etc/hosts and /etc/hostname, written by the child into its root
 * as "data, then the job's hostname and a newline". Child only.
 *
 * Where the target's directory is part of the root's own tmpfs (the host runtime's /etc), the file is written there
 * and becomes read-only with the root. Where it is a runtime's read-only directory, the file is written to a
 * scratch name in the root's tmpfs, bound over the runtime's file (which must exist: it is the mount point),
 * unlinked, and the bind made read-only.
 *
 * A prepared child (CFG_DEFER_EXEC) may be given another hostname after its wait, when its root is read-only: so
 * it keeps a writable descriptor of each file, opened through a detached clone of its mount (a writer on the root's
 * own mount would make the read-only remount fail with EBUSY), and rename_job_files rewrites them.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif

#define MAX_KEPT 4
static struct {
    int fd;
    const char *data;
} kept[MAX_KEPT];
static int nkept;

static int pwrite_all(int fd, const char *p, size_t n, size_t off) {
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
        off += (size_t)w;
    }
    return 0;
}

static int write_all_at(int fd, const char *data, const char *hostname) {
    size_t d = strlen(data), h = strlen(hostname);
    if (pwrite_all(fd, data, d, 0) < 0 || pwrite_all(fd, hostname, h, d) < 0 || pwrite_all(fd, "\n", 1, d + h) < 0)
        return -1;
    return ftruncate(fd, (off_t)(d + h + 1));
}

/* A descriptor that can write the file at path after its mount is read-only (see above). */
static int keep_writable(const char *path, const char *data) {
    if (nkept == MAX_KEPT) {
        errno = EMFILE;
        return -1;
    }
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return -1;
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", tree);
    int fd = open(self, O_WRONLY | O_CLOEXEC);
    int saved = errno;
    close(tree);
    if (fd < 0) {
        errno = saved;
        return -1;
    }
    kept[nkept].fd = fd;
    kept[nkept].data = data;
    nkept++;
    return 0;
}

int write_job_file(const struct config *cfg, const struct mount_op *m, char *dst) {
    int deferred = (cfg->flags & CFG_DEFER_EXEC) != 0;
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
        int r = write_all_at(fd, m->data, cfg->hostname);
        int saved = errno;
        close(fd);
        errno = saved;
        if (r < 0) return -1;
        return deferred ? keep_writable(dst, m->data) : 0;
    }
    if (errno != EROFS) return -1;
    /* The runtime's own file: a scratch file of the root's tmpfs bound over it. */
    char scratch[PATH_MAX];
    int n = snprintf(scratch, sizeof scratch, "%s/.joblet-file", cfg->staging);
    if (n < 0 || (size_t)n >= sizeof scratch) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(scratch, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int r = write_all_at(fd, m->data, cfg->hostname);
    int saved = errno;
    close(fd);
    if (r == 0) {
        r = mount(scratch, dst, NULL, MS_BIND, NULL);
        saved = errno;
    }
    unlink(scratch);
    errno = saved;
    if (r < 0) return (errno == ENOENT && (m->flags & MF_OPTIONAL)) ? 0 : -1;
    if (deferred && keep_writable(dst, m->data) < 0) return -1;
    return remount_ro(dst, MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

int rename_job_files(const struct config *cfg) {
    for (int i = 0; i < nkept; i++) {
        if (write_all_at(kept[i].fd, kept[i].data, cfg->hostname) < 0) return -1;
    }
    return 0;
}
