/*
 * The job's root, built by the child inside the staging tmpfs before pivot_root: binds of the runtime and of
 * volumes (read-only where asked), a minimal /dev, proc and tmpfs mounts, links. Child only.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char root_path[PATH_MAX];
static size_t staging_len; /* strlen(cfg->staging): the part of root_path that exists already */

/* The host-side path of a target inside the new root. */
const char *in_root(const struct config *cfg, const char *target) {
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
void ro_templates(const struct config *cfg) {
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

static int bind_source(const struct mount_op *m, int fd, char *dst) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -1;
    if (S_ISLNK(st.st_mode)) {
        char link[PATH_MAX];
        ssize_t n = readlinkat(fd, "", link, sizeof link - 1);
        if (n < 0) return -1;
        link[n] = '\0';
        if (make_parent(dst) < 0) return -1;
        return symlink(link, dst) < 0 && errno != EEXIST ? -1 : 0;
    }
    if (make_mount_point(dst, &st) < 0) return -1;
    if (S_ISDIR(st.st_mode)) last_parent[0] = '\0'; /* a directory mount may cover the one made last */
    if (bind_from_fd(fd, dst, (m->flags & MF_RECURSIVE) != 0) < 0) return -1;
    if (m->flags & MF_READONLY) return remount_ro(dst, MS_NOSUID | MS_NODEV);
    return remount_bind(dst, MS_NOSUID | MS_NODEV);
}

/* The source is resolved once (open_source: no link in any component) and bound from its descriptor; a link as
 * the last component is recreated as the same link, read from that descriptor. */
static int do_bind(const struct mount_op *m, char *dst) {
    int fd = open_source(m->source);
    if (fd < 0) {
        if (errno == ENOENT && (m->flags & MF_OPTIONAL)) return 0;
        return -1;
    }
    int r = bind_source(m, fd, dst);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

/* The harmless host devices a job gets, with their numbers (fixed by the kernel's ABI, devices.txt). */
static const struct {
    const char *name;
    unsigned major, minor;
} dev_nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

/* The job's own devpts instance; options from the JVM (such as max=N) come after ours. */
static int mount_devpts(const char *dst, const char *extra) {
    char options[256];
    int n = snprintf(options, sizeof options, "newinstance,ptmxmode=0666,mode=620%s%s", extra[0] ? "," : "", extra);
    if (n < 0 || (size_t)n >= sizeof options) {
        errno = EINVAL;
        return -1;
    }
    return mount("devpts", dst, "devpts", MS_NOSUID | MS_NOEXEC, options);
}

/* A minimal /dev: a tmpfs holding the harmless nodes (made with mknod where we may; otherwise, in a user
 * namespace, binds of the host's), a private devpts and a shm tmpfs (64 MiB, one inode per 16 KiB as /tmp). */
static int do_dev(char *dst, const char *pts_options) {
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
    if (mount_devpts(dst, pts_options) < 0) return -1;
    snprintf(dst + base, PATH_MAX - base, "/shm");
    if (mkdir(dst, 01777) < 0) return -1;
    if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m,nr_inodes=4096") < 0) return -1;
    dst[base] = '\0';
    return remount_ro(dst, MS_NOSUID | MS_NOEXEC);
}

int do_mount(const struct mount_op *m, char *dst) {
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
        return do_dev(dst, m->data);
    case MNT_DIR:
        return mkdirs(dst, 0755);
    case MNT_SYMLINK:
        if (make_parent(dst) < 0) return -1;
        return symlink(m->source, dst);
    case MNT_MOVE:
        return move_fd_mount(m, dst);
    default:
        errno = EINVAL;
        return -1;
    }
}
